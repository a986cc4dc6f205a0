import GRDB

extension Row {
    /// A text column holding one of `T`'s names (a format, a codec, a policy): a value this
    /// Sediment does not read is an error naming the table, the row and the value, never
    /// read as a default.
    func named<T: RawRepresentable & CaseIterable>(
        _ column: String, in table: String, row name: @autoclosure () -> String
    ) throws -> T where T.RawValue == String {
        let value: DatabaseValue = self[column]
        if let text = String.fromDatabaseValue(value), let known = T(rawValue: text) { return known }
        let text = String.fromDatabaseValue(value) ?? value.description
        let names = T.allCases.map(\.rawValue)
        let choices = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
        throw SedimentError(
            .invalidInput,
            "the index's \(table) row \(name()) has \(column) '\(text)', which this Sediment does not read (\(choices))",
            context: ["table": table, "column": column, "value": text])
    }
}
