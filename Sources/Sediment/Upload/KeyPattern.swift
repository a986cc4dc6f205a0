/// The keys a template can give, as text in which a run stands for any string of its
/// characters (possibly none): enough to tell whether two uploaders could ever write the
/// same key.
struct KeyPattern: Hashable {
    enum Run: Hashable {
        case any
        /// `{timestamp}`, `{hour}`, `{part}`.
        case digits
        /// `{date}`, `{partition}` (partitions joined by `-`).
        case digitsAndDashes

        func contains(_ character: Character) -> Bool {
            switch self {
            case .any: true
            case .digits: character.isASCII && character.isNumber
            case .digitsAndDashes: character == "-" || (character.isASCII && character.isNumber)
            }
        }
    }

    enum Element: Hashable {
        case character(Character)
        case run(Run)
    }

    private(set) var elements: [Element] = []

    mutating func append(_ text: String) {
        elements += text.map(Element.character)
    }

    mutating func append(_ run: Run) {
        elements.append(.run(run))
    }

    /// Whether some key matches both: a walk over pairs of positions, where a run may take
    /// the other side's next character if it is one of its own, or end. (Two runs never
    /// need to take characters together: each may be empty, and a key both match with
    /// them empty is as good a witness.)
    func overlaps(_ other: KeyPattern) -> Bool {
        let (a, b) = (elements, other.elements)
        var seen = Set<Int>()
        var pending = [(0, 0)]
        while let (i, j) = pending.popLast() {
            if i == a.count && j == b.count { return true }
            guard seen.insert(i * (b.count + 1) + j).inserted else { continue }
            switch (i < a.count ? a[i] : nil, j < b.count ? b[j] : nil) {
            case (.character(let x)?, .character(let y)?):
                if x == y { pending.append((i + 1, j + 1)) }
            case (.run(let run)?, let right):
                pending.append((i + 1, j))
                if case .character(let y)? = right, run.contains(y) { pending.append((i, j + 1)) }
                if case .run? = right { pending.append((i, j + 1)) }
            case (let left, .run(let run)?):
                pending.append((i, j + 1))
                if case .character(let x)? = left, run.contains(x) { pending.append((i + 1, j)) }
            default:
                break
            }
        }
        return false
    }
}

extension KeyTemplate {
    /// The full keys (under `prefix`) this template gives for one topic, with
    /// `{instance}`, `{topic}` and `{worker}` filled in and the other tokens as runs of
    /// their characters; `.partN` and the extension follow as "." and anything. Patterns
    /// that do not overlap never give the same key. A worker named nowhere is the archive's
    /// own (the host and the archive's id): pass a text no other task's key can hold.
    func keys(under prefix: String, instance: String, topic: String, worker: String) -> KeyPattern {
        var pattern = KeyPattern()
        if !prefix.isEmpty { pattern.append(prefix + "/") }
        for piece in pieces {
            switch piece {
            case .text(let text): pattern.append(text)
            case .token("instance"): pattern.append(instance)
            case .token("topic"): pattern.append(topic)
            case .token("worker"): pattern.append(worker)
            // A window before 1970 would have a "-": not a case to design for.
            case .token("timestamp"), .token("hour"), .token("part"): pattern.append(.digits)
            case .token: pattern.append(.digitsAndDashes)
            }
        }
        pattern.append(".")
        pattern.append(.any)
        return pattern
    }
}
