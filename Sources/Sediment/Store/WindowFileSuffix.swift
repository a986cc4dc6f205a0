/// The end of a window file's name, between what names its window (the start in Unix
/// seconds, or what the key template gives) and its extension: `.p<P>` for the file series
/// of split partition P (`split` `partition`), then `.part<N>` for parts from 2 on.
/// `1699999200.p7.part3.jsonl.zst` is part 3 of partition 7's series, `1699999200.jsonl.gz`
/// part 1 of the window's one series. Only what `text` writes reads back (no sign, no
/// leading zero, no `.part1`), so that one file has one name.
struct WindowFileSuffix: Sendable, Hashable {
    /// The split partition of the file's series; nil for the series holding every partition.
    var splitPartition: Int32?
    /// From 1.
    var part: Int

    init(splitPartition: Int32? = nil, part: Int = 1) {
        self.splitPartition = splitPartition
        self.part = part
    }

    /// The whole of `text` read as a suffix; nil unless `text` is one that `text` gives.
    init?(parsing text: Substring) {
        var rest = text
        self.init()
        if let (part, before) = Self.part(endingAt: rest) {
            self.part = part
            rest = before
        }
        if let (partition, before) = Self.splitPartition(endingAt: rest) {
            splitPartition = partition
            rest = before
        }
        guard rest.isEmpty else { return nil }
    }

    var text: String {
        (splitPartition.map { ".p\($0)" } ?? "") + (part == 1 ? "" : ".part\(part)")
    }

    /// A `.part<N>` (N above 1) that ends `text`: N and the text before it.
    static func part(endingAt text: Substring) -> (part: Int, before: Substring)? {
        guard let (digits, before) = component(endingAt: text, after: "part"), let part = Int(digits), part > 1 else { return nil }
        return (part, before)
    }

    /// A `.p<P>` that ends `text`: P and the text before it.
    static func splitPartition(endingAt text: Substring) -> (partition: Int32, before: Substring)? {
        guard let (digits, before) = component(endingAt: text, after: "p"), let partition = Int32(digits) else { return nil }
        return (partition, before)
    }

    /// The digits of a `.<prefix><digits>` that ends `text`, written as `text` writes a
    /// number, and the text before its dot.
    private static func component(endingAt text: Substring, after prefix: String) -> (digits: Substring, before: Substring)? {
        guard let dot = text.lastIndex(of: ".") else { return nil }
        let component = text[text.index(after: dot)...]
        guard component.hasPrefix(prefix) else { return nil }
        let digits = component.dropFirst(prefix.count)
        guard let first = digits.first, first != "0" || digits.count == 1, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (digits, text[..<dot])
    }
}
