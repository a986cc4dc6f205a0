import GRDB

/// A codec as the index stores it: its name, as text.
extension WindowCompression: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> WindowCompression? {
        String.fromDatabaseValue(value).flatMap(WindowCompression.init(rawValue:))
    }

    /// The `compression` column of `row`, a row of `table` that `name` names for the error.
    static func column(of row: Row, in table: String, row name: @autoclosure () -> String) throws -> WindowCompression {
        try row.named("compression", in: table, row: name())
    }
}
