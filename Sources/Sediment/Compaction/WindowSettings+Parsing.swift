extension WindowSettings {
    /// A window length as people give it, in milliseconds: a bare number is minutes, as the
    /// product Sediment replaces takes it (`15`), anything else a duration (`15m`, `1h`).
    /// Whether the length is allowed is `validate`'s to say.
    public static func granularity(parsing text: String, option: String) throws -> Int64 {
        try DurationExpression.milliseconds(
            !text.isEmpty && text.allSatisfy(\.isNumber) ? text + "m" : text, option: option)
    }
}
