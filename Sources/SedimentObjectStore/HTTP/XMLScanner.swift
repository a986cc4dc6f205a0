/// A minimal reader for the flat XML that S3 and COS return (errors, listings,
/// multipart replies). It finds `<Name>text</Name>` elements by name, in document
/// order, and decodes the five predefined entities and numeric references. It does
/// not validate; it does not need to, since every value read is checked by its user.
///
/// It reads UTF-8 bytes, not `Character`s: markup is ASCII, and a combining mark after a
/// `>` or a `;` (which a key may start with) would join it into another `Character` and
/// hide the tag or the entity from a search by `Character`.
struct XMLScanner {
    private let bytes: [UInt8]
    private let range: Range<Int>

    init(_ text: String) {
        bytes = Array(text.utf8)
        range = bytes.indices
    }

    private init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.range = range
    }

    /// The raw inner text of each `<name>...</name>` element (also `<name attr="...">`).
    func elements(_ name: String) -> [Substring] {
        elementRanges(name).map { Substring(decoding: bytes[$0], as: UTF8.self) }
    }

    /// Each element `name` as a scanner of its own, for repeated records like `<Contents>`.
    func children(_ name: String) -> [XMLScanner] {
        elementRanges(name).map { XMLScanner(bytes: bytes, range: $0) }
    }

    /// The decoded text of the first element `name`, or nil.
    func value(_ name: String) -> String? {
        elementRanges(name).first.map { Self.decode(Substring(decoding: bytes[$0], as: UTF8.self)) }
    }

    private func elementRanges(_ name: String) -> [Range<Int>] {
        let open = Array(("<" + name).utf8)
        let close = Array(("</" + name + ">").utf8)
        var found: [Range<Int>] = []
        var position = range.lowerBound
        while let start = find(open, from: position) {
            let afterName = start + open.count
            guard afterName < range.upperBound, let end = find([UInt8(ascii: ">")], from: afterName) else { break }
            let next = bytes[afterName]
            guard next == UInt8(ascii: ">") || next == UInt8(ascii: " ") || next == UInt8(ascii: "/") else {
                position = afterName
                continue
            }
            if bytes[end - 1] == UInt8(ascii: "/") {  // <name/>: empty
                found.append(end..<end)
                position = end + 1
                continue
            }
            guard let closing = find(close, from: end + 1) else { break }
            found.append(end + 1..<closing)
            position = closing + close.count
        }
        return found
    }

    /// Where `needle` first starts at or after `from`, within this scanner's range.
    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, needle.count <= range.upperBound - from else { return nil }
        var index = from
        while index + needle.count <= range.upperBound {
            if bytes[index] == first && bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// Entities are looked for this far past their `&`: the longest that decodes is
    /// `&#x0010FFFF;`, and a bound keeps a reply full of `&` from costing its length squared.
    private static let longestEntity = 32

    static func decode(_ raw: Substring) -> String {
        guard raw.utf8.contains(UInt8(ascii: "&")) else { return String(raw) }
        let scalars = Array(raw.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&", let semi = scalars[(index + 1)...].prefix(longestEntity).firstIndex(of: ";"),
                let scalar = entity(String(String.UnicodeScalarView(scalars[(index + 1)..<semi])))
            else {
                out.append(scalars[index])
                index += 1
                continue
            }
            out.append(scalar)
            index = semi + 1
        }
        return String(out)
    }

    private static func entity(_ name: String) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            let number = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16)
                : name.hasPrefix("#") ? UInt32(name.dropFirst(), radix: 10) : nil
            return number.flatMap(Unicode.Scalar.init)
        }
    }

    /// Escapes text for an element body.
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&apos;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
