/// Which messages a query or a replay keeps, by key and by headers.
///
/// Conditions of one kind widen, kinds narrow: a message's key must equal one of `keys`
/// or start with one of `keyPrefixes` (when either is given), and for every header name
/// in `headers` the message must carry a header of that name whose value is one of the
/// values given for it (any value, null included, when one condition of that name has
/// none). A null key matches no key condition, not even an empty prefix; an empty
/// `value` asks for an empty header value, never a null one.
public struct MessageFilter: Sendable, Hashable {
    /// A header a message must carry: `value` nil matches any value of `name`.
    public struct HeaderCondition: Sendable, Hashable, Codable {
        public var name: String
        public var value: [UInt8]?

        public init(name: String, value: [UInt8]?) {
            self.name = name
            self.value = value
        }

        /// `NAME` or `NAME=VALUE` (split at the first `=`, the value as UTF-8 bytes), as
        /// command lines give them.
        public init(parsing text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else {
                throw SedimentError(.invalidArgument, "a condition of `headers` has no name: '\(text)' (give NAME or NAME=VALUE)")
            }
            self.init(name: String(name), value: parts.count == 2 ? Array(parts[1].utf8) : nil)
        }
    }

    public let keys: Set<[UInt8]>
    public let keyPrefixes: [[UInt8]]
    public let headers: [HeaderCondition]
    /// `headers` by name, in first-mention order; nil values: any value.
    private let required: [RequiredHeader]

    private struct RequiredHeader: Sendable, Hashable {
        /// Compared as bytes: Swift's `==` on strings would take "é" and "e\u{301}" for one name.
        var name: [UInt8]
        var values: Set<[UInt8]>?
    }

    public init(keys: [[UInt8]] = [], keyPrefixes: [[UInt8]] = [], headers: [HeaderCondition] = []) {
        self.keys = Set(keys)
        self.keyPrefixes = keyPrefixes
        self.headers = headers
        var required: [RequiredHeader] = []
        for condition in headers {
            let name = Array(condition.name.utf8)
            let index = required.firstIndex { $0.name == name } ?? {
                required.append(RequiredHeader(name: name, values: []))
                return required.count - 1
            }()
            if let value = condition.value {
                required[index].values?.insert(value)
            } else {
                required[index].values = nil
            }
        }
        self.required = required
    }

    /// Keeps every message.
    public var isEmpty: Bool { keys.isEmpty && keyPrefixes.isEmpty && headers.isEmpty }

    public func matches(_ message: Message) -> Bool {
        if !keys.isEmpty || !keyPrefixes.isEmpty {
            guard let key = message.key else { return false }
            guard keys.contains(key) || keyPrefixes.contains(where: { key.starts(with: $0) }) else { return false }
        }
        for header in required {
            let found = message.headers.contains { candidate in
                guard candidate.name.utf8.elementsEqual(header.name) else { return false }
                guard let values = header.values else { return true }
                return candidate.value.map { values.contains($0) } ?? false
            }
            if !found { return false }
        }
        return true
    }
}

/// As a replay records it: the conditions, from which the rest is rebuilt.
extension MessageFilter: Codable {
    private enum CodingKeys: String, CodingKey { case keys, keyPrefixes, headers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            keys: try container.decode([[UInt8]].self, forKey: .keys), keyPrefixes: try container.decode([[UInt8]].self, forKey: .keyPrefixes),
            headers: try container.decode([HeaderCondition].self, forKey: .headers))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keys.sorted { $0.lexicographicallyPrecedes($1) }, forKey: .keys)
        try container.encode(keyPrefixes, forKey: .keyPrefixes)
        try container.encode(headers, forKey: .headers)
    }
}
