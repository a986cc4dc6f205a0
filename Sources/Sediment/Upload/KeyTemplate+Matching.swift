/// Reading keys back: a bucket is listed under the longest prefix the template fixes for
/// one topic, and each listed key is matched against the template to tell which window
/// it holds without fetching anything.
extension KeyTemplate {
    /// What a key says about its window.
    public struct KeyFields: Sendable, Hashable {
        public var instance: String?
        public var topic: String?
        /// Milliseconds: `{timestamp}` holds whole seconds.
        public var windowStart: Int64
        public var part: Int
        /// The one partition of a split file, when the key says it (`.p<partition>` under a
        /// template without `{partition}`); a `{partition}` in the key does not tell a split
        /// file from a window's only partition, so then the manifest says.
        public var splitPartition: Int32?
        public var format: WindowSettings.Format
        public var compression: WindowCompression
    }

    /// The text every key of the topic starts with: the template up to its first token
    /// other than `{instance}` and `{topic}` (`{instance}` counts as such only when given).
    public func listingPrefix(instance: String?, topic: String) -> String {
        var prefix = ""
        for piece in pieces {
            switch piece {
            case .text(let text): prefix += text
            case .token("topic"): prefix += topic
            case .token("instance") where instance != nil: prefix += instance!
            case .token: return prefix
            }
        }
        return prefix
    }

    /// The fields of an object key this template gives, or nil for a key it cannot give
    /// (a manifest, another template's object, anything else in the bucket).
    public func match(_ key: String) -> KeyFields? {
        guard let (format, compression, stem) = WindowSettings.Format.ending(Substring(key)) else { return nil }
        var rest = stem
        var suffixPart: Int?
        if !namesPart, let (number, before) = WindowFileSuffix.part(endingAt: rest) {
            suffixPart = number
            rest = before
        }
        var splitPartition: Int32?
        var matched: [String: Substring]?
        if !namesPartition, let (number, before) = WindowFileSuffix.splitPartition(endingAt: rest), let values = Self.match(pieces[...], before, [:]) {
            splitPartition = number
            matched = values
        }
        guard let values = matched ?? Self.match(pieces[...], rest, [:]) else { return nil }
        guard let seconds = values["timestamp"].flatMap({ Int64($0) }) else { return nil }
        let part = values["part"].map { Int($0) } ?? suffixPart ?? 1
        guard let part, part >= 1, !(namesPart && suffixPart != nil) else { return nil }
        let (start, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return nil }
        // A bucket may hold keys no Sediment wrote (`../orders/...`): names read from a
        // key must be names an archive takes, as restore files windows under them.
        for name in ["instance", "topic", "worker"] {
            guard let value = values[name] else { continue }
            guard (try? ArchiveName.validate(String(value), as: name)) != nil else { return nil }
        }
        return KeyFields(
            instance: values["instance"].map(String.init), topic: values["topic"].map(String.init),
            windowStart: start, part: part, splitPartition: splitPartition, format: format, compression: compression)
    }

    var namesPart: Bool { pieces.contains(.token("part")) }
    var namesPartition: Bool { pieces.contains(.token("partition")) }

    /// Matches `pieces` against the whole of `rest`, trying every length a token may take
    /// (a worker name may hold the text that follows it in the template), so a key the
    /// template gives is never missed. A token never spans a `/`, and the numeric and date
    /// tokens hold what they are written as.
    private static func match(_ pieces: ArraySlice<Piece>, _ rest: Substring, _ values: [String: Substring]) -> [String: Substring]? {
        guard let piece = pieces.first else { return rest.isEmpty ? values : nil }
        switch piece {
        case .text(let text):
            guard rest.hasPrefix(text) else { return nil }
            return match(pieces.dropFirst(), rest.dropFirst(text.count), values)
        case .token(let name):
            if let known = values[name] {
                guard rest.hasPrefix(known) else { return nil }
                return match(pieces.dropFirst(), rest.dropFirst(known.count), values)
            }
            let limit = rest.firstIndex(of: "/") ?? rest.endIndex
            var end = rest.startIndex
            while end < limit {
                end = rest.index(after: end)
                let value = rest[rest.startIndex..<end]
                guard isPlausible(value, for: name) else { continue }
                var next = values
                next[name] = value
                if let found = match(pieces.dropFirst(), rest[end...], next) { return found }
            }
            return nil
        }
    }

    private static func isPlausible(_ value: Substring, for token: String) -> Bool {
        switch token {
        // Seconds that become milliseconds: a split past that is no window, and the
        // search goes on to the next one rather than giving up on the key.
        case "timestamp": return Int64(value).map { !$0.multipliedReportingOverflow(by: 1000).overflow } ?? false
        case "part": return Int(value).map { $0 >= 1 } ?? false
        case "hour": return value.count == 2 && value.allSatisfy(\.isNumber)
        case "date": return value.count == 10 && value.filter { $0 == "-" }.count == 2
        case "partition": return value.allSatisfy { $0.isNumber || $0 == "-" }
        default: return true
        }
    }
}
