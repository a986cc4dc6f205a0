import Foundation

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
            if isHidden(scalar) {
                let what = scalar.properties.generalCategory == .format ? "an invisible formatting character" : "a control character"
                throw reject("it contains \(what) (U+\(hex(scalar)))")
            }
        }
        if let first = name.unicodeScalars.first, isCombining(first) {
            throw reject("it starts with a combining mark (U+\(hex(first))), which would join the '/' before it")
        }
        // Swift compares strings by canonical equivalence, Kafka and the file system by
        // bytes: two spellings of one name (é and e + U+0301) would be one topic to the
        // writer's batches and two directories on disk. In NFC, the two agree.
        if !Array(name.precomposedStringWithCanonicalMapping.utf8).elementsEqual(name.utf8) {
            throw reject("it is not in Unicode normalization form C; write it precomposed, as \(quoted(name.precomposedStringWithCanonicalMapping))")
        }
    }

    private static func isCombining(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    /// Control characters, and the invisible ones that change how a name is shown
    /// (right-to-left overrides, zero-width joiners, byte order marks): a name holding
    /// one reads as another in a listing, a log line or an object key.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func quoted(_ name: String) -> String {
        var out = "'"
        for (index, scalar) in name.unicodeScalars.enumerated() {
            // A leading mark would join the quote, and show as another character.
            if isHidden(scalar) || (index == 0 && isCombining(scalar)) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
