/// Strict UTF-8 validation over raw bytes, without building a `String`.
///
/// The JSON line encoder asks this for every key, value and header value: the answer
/// decides between a readable JSON string and a base64 marker, so it must be exact
/// (a lenient check would let the encoder emit text that decodes to different bytes).
enum UTF8Validation {
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// True when `bytes` is well-formed UTF-8: no overlong forms, no surrogates
    /// (ED A0..BF), nothing above U+10FFFF, no truncated sequence at the end.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        var i = 0
        while i < count {
            // Most keys and values are ASCII: skip them four words at a time, then one.
            while i + 32 <= count {
                let raw = UnsafeRawPointer(p + i)
                let any = raw.loadUnaligned(as: UInt64.self) | raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    | raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                guard any & highBits == 0 else { break }
                i += 32
            }
            if i == count { break }
            if i + 8 <= count {
                let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if word & highBits == 0 {
                    i += 8
                    continue
                }
            }
            let lead = p[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte: that is
            // what rules out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard i + length <= count else { return false }
            let second = p[i + 1]
            guard second >= low && second <= high else { return false }
            var k = 2
            while k < length {
                guard p[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValidUTF8($0) }
    }
}
