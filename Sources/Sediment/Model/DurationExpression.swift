/// Reads durations as people type them on a command line: `500ms`, `30s`, `5m`, `1h`.
public enum DurationExpression {
    public static func parse(_ text: String, option: String) throws -> Duration {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (unit, milliseconds) in units where text.hasSuffix(unit) {
            if let amount = Int64(text.dropLast(unit.count)), amount >= 0, !(unit == "m" && text.hasSuffix("ms")) {
                let (total, overflow) = amount.multipliedReportingOverflow(by: milliseconds)
                guard !overflow else {
                    throw SedimentError(
                        .invalidArgument, "cannot read \(option) '\(text)' as a duration: it is longer than \(Int64.max / 86_400_000)d",
                        context: ["option": option, "value": text])
                }
                return .milliseconds(total)
            }
        }
        throw SedimentError(
            .invalidArgument, "cannot read \(option) '\(text)' as a duration: use a whole number with ms, s, m, h or d (30s, 500ms)",
            context: ["option": option, "value": text])
    }

    /// The same, as whole milliseconds: what window settings and retention store.
    public static func milliseconds(_ text: String, option: String) throws -> Int64 {
        let duration = try parse(text, option: option)
        return duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

extension DurationExpression {
    /// Milliseconds as they would be typed: the largest unit that divides them (`15m`, `90s`).
    public static func text(milliseconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    public static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return text(milliseconds: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
