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
        public var format: WindowSettings.Format
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
        var rest = Substring(key)
        var format: WindowSettings.Format?
        for candidate in [WindowSettings.Format.jsonl, .text] where rest.hasSuffix("." + candidate.fileExtension) {
            format = candidate
            rest = rest.dropLast(candidate.fileExtension.count + 1)
        }
        guard let format else { return nil }
        var suffixPart: Int?
        if !namesPart, let dot = rest.lastIndex(of: "."), rest[dot...].hasPrefix(".part"),
           let number = Int(rest[rest.index(dot, offsetBy: 5)...]), number > 1 {
            suffixPart = number
            rest = rest[..<dot]
        }
        var values: [String: Substring] = [:]
        var index = pieces.startIndex
        while index < pieces.endIndex {
            switch pieces[index] {
            case .text(let text):
                guard rest.hasPrefix(text) else { return nil }
                rest = rest.dropFirst(text.count)
            case .token(let name):
                // A token runs to the next literal text (its first occurrence), or to the end;
                // two tokens side by side cannot be told apart.
                let value: Substring
                if index + 1 == pieces.endIndex {
                    value = rest
                } else if case .text(let text) = pieces[index + 1], let end = rest.range(of: text) {
                    value = rest[..<end.lowerBound]
                } else {
                    return nil
                }
                if let earlier = values[name], earlier != value { return nil }
                values[name] = value
                rest = rest.dropFirst(value.count)
            }
            index += 1
        }
        guard rest.isEmpty, let seconds = values["timestamp"].flatMap({ Int64($0) }) else { return nil }
        let part = values["part"].map { Int($0) } ?? suffixPart ?? 1
        guard let part, part >= 1, !(namesPart && suffixPart != nil) else { return nil }
        let (start, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return nil }
        return KeyFields(
            instance: values["instance"].map(String.init), topic: values["topic"].map(String.init),
            windowStart: start, part: part, format: format)
    }

    private var namesPart: Bool { pieces.contains(.token("part")) }
}
