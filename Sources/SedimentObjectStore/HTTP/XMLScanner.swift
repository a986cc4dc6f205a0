/// A minimal reader for the flat XML that S3 and COS return (errors, listings,
/// multipart replies). It finds `<Name>text</Name>` elements by name, in document
/// order, and decodes the five predefined entities and numeric references. It does
/// not validate; it does not need to, since every value read is checked by its user.
struct XMLScanner {
    let text: Substring

    init(_ text: String) {
        self.text = text[...]
    }

    init(_ text: Substring) {
        self.text = text
    }

    /// The raw inner text of each `<name>...</name>` element (also `<name attr="...">`).
    func elements(_ name: String) -> [Substring] {
        var found: [Substring] = []
        var rest = text
        while let open = rest.range(of: "<" + name) {
            let afterName = open.upperBound
            guard afterName < rest.endIndex, let close = rest[afterName...].firstIndex(of: ">") else { break }
            let next = rest[afterName]
            guard next == ">" || next == " " || next == "/" else {
                rest = rest[afterName...]
                continue
            }
            if rest[rest.index(before: close)] == "/" {  // <name/>: empty
                found.append(rest[close..<close])
                rest = rest[rest.index(after: close)...]
                continue
            }
            let bodyStart = rest.index(after: close)
            guard let end = rest[bodyStart...].range(of: "</" + name + ">") else { break }
            found.append(rest[bodyStart..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// Each element `name` as a scanner of its own, for repeated records like `<Contents>`.
    func children(_ name: String) -> [XMLScanner] {
        elements(name).map(XMLScanner.init)
    }

    /// The decoded text of the first element `name`, or nil.
    func value(_ name: String) -> String? {
        elements(name).first.map { Self.decode($0) }
    }

    static func decode(_ raw: Substring) -> String {
        guard raw.contains("&") else { return String(raw) }
        var out = ""
        var rest = raw
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                if let number, let scalar = Unicode.Scalar(number) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += rest[amp...semi]
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// Escapes text for an element body.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
