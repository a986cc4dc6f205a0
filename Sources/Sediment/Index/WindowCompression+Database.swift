import GRDB

/// A codec as the index stores it: its name, as text.
extension WindowCompression: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> WindowCompression? {
        String.fromDatabaseValue(value).flatMap(WindowCompression.init(rawValue:))
    }

    /// The `compression` column of `row`, a row of `table` that `name` names for the error:
    /// a value this Sediment does not read is refused, never read as another codec.
    static func column(of row: Row, in table: String, row name: @autoclosure () -> String) throws -> WindowCompression {
        let value: DatabaseValue = row["compression"]
        if let codec = fromDatabaseValue(value) { return codec }
        let text = String.fromDatabaseValue(value) ?? value.description
        throw SedimentError(
            .invalidInput,
            "the index's \(table) row \(name()) has compression '\(text)', which this Sediment does not read (gzip, zstd or none)",
            context: ["table": table, "value": text])
    }
}
