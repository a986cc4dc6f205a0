/// Percent-encoding as both signatures define it: every byte of the UTF-8 form is
/// encoded except the unreserved `A-Z a-z 0-9 - _ . ~` (and `/` when `keepSlash`).
/// Hex digits are upper case, which SigV4 requires and COS's table shows.
enum URIEncoding {
    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An object key as a request path: each segment encoded, slashes kept.
    static func encodePath(_ path: String) -> String {
        encode(path, keepSlash: true)
    }

    /// `name=value&...` with both sides encoded, in the order given.
    static func queryString(_ items: [(String, String)]) -> String {
        items.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
