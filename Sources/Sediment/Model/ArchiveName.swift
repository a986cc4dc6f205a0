/// Validates the instance and topic names that become directory names and key prefixes,
/// so that no name can escape the archive directory or the bucket prefix.
public enum ArchiveName {
    /// Kafka's own limit for topic names; instance names get the same.
    public static let maximumLength = 249

    public static func validate(_ name: String, as kind: String) throws {
        func reject(_ reason: String) -> SedimentError {
            SedimentError(.invalidName, "invalid \(kind) name \(quoted(name)): \(reason)", context: [kind: name])
        }
        if name.isEmpty { throw reject("it is empty") }
        if name == "." || name == ".." { throw reject("'.' and '..' would name a directory outside the archive") }
        if name.utf8.count > maximumLength { throw reject("it is longer than \(maximumLength) bytes") }
        for scalar in name.unicodeScalars {
            if scalar == "/" || scalar == "\\" { throw reject("it contains a path separator") }
            if scalar.value < 0x20 || scalar.value == 0x7F { throw reject("it contains a control character (U+\(String(scalar.value, radix: 16, uppercase: true)))") }
        }
    }

    static func quoted(_ name: String) -> String {
        var out = "'"
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
