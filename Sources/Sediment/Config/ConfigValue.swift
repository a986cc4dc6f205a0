import Foundation
import SedimentObjectStore
import Yams

/// One value of a config file, with where it stands, read as the type its setting
/// expects. A value of another type is recorded as a problem and reads as nil, so that
/// reading goes on and one run reports every problem of the file.
struct ConfigValue {
    let node: Node
    /// `tasks[0].grace`.
    let path: String
    let problems: ConfigProblemList

    var location: ConfigLocation? {
        node.mark.map { ConfigLocation(line: $0.line, column: $0.column) }
    }

    func problem(_ message: String) {
        problems.add(message, at: location, path: path)
    }

    /// Any scalar, as written (`instance: 2024` is the text "2024"); nothing (`~`, empty)
    /// and lists or mappings are problems.
    func string() -> String? {
        guard let scalar = node.scalar else { return mismatch("a string") }
        guard !isNull(scalar) else { return mismatch("a string") }
        return scalar.string
    }

    /// A whole number, written without quotes or with.
    func int() -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string) else { return mismatch("a whole number") }
        return value
    }

    func bool() -> Bool? {
        guard let scalar = node.scalar, let value = Bool.construct(from: scalar) else { return mismatch("true or false") }
        return value
    }

    /// A list of strings; one string alone counts as a list of one when `single` allows it.
    func strings(single: Bool) -> [(String, ConfigValue)]? {
        if single, node.scalar != nil { return string().map { [($0, self)] } }
        guard let items = list(of: single ? "a string or a list of strings" : "a list of strings") else { return nil }
        var values: [(String, ConfigValue)] = []
        for item in items {
            guard let text = item.string() else { return nil }
            values.append((text, item))
        }
        return values
    }

    func list(of expected: String = "a list") -> [ConfigValue]? {
        guard let sequence = node.sequence else { return mismatch(expected) }
        return sequence.enumerated().map { ConfigValue(node: $1, path: "\(path)[\($0)]", problems: problems) }
    }

    func mapping() -> ConfigMapping? {
        guard let mapping = node.mapping else { return mismatch("a mapping of keys to values") }
        return ConfigMapping(mapping, path: path, problems: problems)
    }

    /// One of `choices`, as `T`'s raw values spell them.
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string() else { return nil }
        guard let value = T(rawValue: text) else {
            problem("'\(text)' is not one of " + T.allCases.map { $0.rawValue }.joined(separator: ", "))
            return nil
        }
        return value
    }

    /// Runs a parser of the library on the value's text; its error becomes a problem here.
    func parsed<T>(_ parse: (String) throws -> T) -> T? {
        guard let text = string() else { return nil }
        return reporting { try parse(text) }
    }

    /// Runs `body`; an error becomes a problem at this value, settings named as keys.
    func reporting<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            problem(ConfigValue.message(of: error))
            return nil
        }
    }

    /// An error's message with the library's setting names spelled as the file's keys.
    static func message(of error: any Error) -> String {
        let text = (error as? SedimentError)?.message ?? (error as? ObjectStoreError)?.message ?? "\(error)"
        return SettingNames.naming(text) { SettingNames.configKey($0).map { "'\($0)'" } }
    }

    private func mismatch<T>(_ expected: String) -> T? {
        problem("expected \(expected), got \(ConfigValue.describe(node))")
        return nil
    }

    private func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) ? "nothing (null)" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// A mapping of a config file: its keys in order, each once (YAML refuses a repeated key
/// when the file is read).
struct ConfigMapping {
    let entries: [(key: String, keyLocation: ConfigLocation?, value: ConfigValue)]
    let path: String
    let location: ConfigLocation?
    let problems: ConfigProblemList

    init(_ mapping: Node.Mapping, path: String, problems: ConfigProblemList) {
        self.path = path
        self.problems = problems
        location = mapping.mark.map { ConfigLocation(line: $0.line, column: $0.column) }
        entries = mapping.map { key, value in
            let name = key.scalar?.string ?? ConfigValue.describe(key)
            let childPath = path.isEmpty ? name : path + "." + name
            return (name, key.mark.map { ConfigLocation(line: $0.line, column: $0.column) }, ConfigValue(node: value, path: childPath, problems: problems))
        }
    }

    subscript(key: String) -> ConfigValue? {
        entries.first { $0.key == key }?.value
    }

    func contains(_ key: String) -> Bool { self[key] != nil }

    func problem(_ message: String) {
        problems.add(message, at: location, path: path)
    }

    /// Reports every key not in `known`, with the closest known one when it is close;
    /// `refusedHere` gives the reason for a key that is known elsewhere but not here.
    func rejectUnknown(_ known: [String], refusedHere: (String) -> String? = { _ in nil }) {
        for entry in entries where !known.contains(entry.key) {
            let path = entry.value.path
            if let reason = refusedHere(entry.key) {
                problems.add(reason, at: entry.keyLocation, path: path)
                continue
            }
            var message = "unknown key '\(entry.key)'"
            if let near = Self.nearest(to: entry.key, in: known) { message += "; did you mean '\(near)'?" }
            problems.add(message, at: entry.keyLocation, path: path)
        }
    }

    /// The known key a typo most likely meant: within two edits (three for long keys),
    /// or the same words in another case or with `_` for `-`.
    static func nearest(to key: String, in known: [String]) -> String? {
        let normalized = key.lowercased().replacingOccurrences(of: "_", with: "-")
        if let same = known.first(where: { $0 == normalized }) { return same }
        let limit = key.count >= 10 ? 3 : 2
        let scored = known.map { ($0, editDistance(normalized, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance, on characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
