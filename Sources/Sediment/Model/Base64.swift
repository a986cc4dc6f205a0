/// Standard base64 (RFC 4648 alphabet, `=` padding) over raw bytes.
///
/// Foundation's version needs `Data` round trips on the ingest hot path; this one
/// appends straight into the caller's output buffer.
enum Base64 {
    private static let alphabet: StaticString =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// Character → 6-bit value; 0xFF marks a byte outside the alphabet.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let chars = alphabet.utf8Start
        for value in 0..<64 { table[Int(chars[value])] = UInt8(value) }
        return table
    }()

    static func encodedCount(_ byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    /// Appends the padded base64 text of `bytes` to `out`.
    static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let count = encodedCount(bytes.count)
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            let written = encode(bytes, to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<written]))
        }
    }

    /// Writes the padded base64 text of `bytes` at `dst`, which must have room for
    /// `encodedCount(bytes.count)` bytes; returns that count.
    static func encode(_ bytes: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return 0 }
        let src = base.assumingMemoryBound(to: UInt8.self)
        let chars = alphabet.utf8Start
        var i = 0
        var o = 0
        while i + 3 <= count {
            let n = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
            dst[o] = chars[Int(n >> 18)]
            dst[o + 1] = chars[Int(n >> 12 & 63)]
            dst[o + 2] = chars[Int(n >> 6 & 63)]
            dst[o + 3] = chars[Int(n & 63)]
            i += 3
            o += 4
        }
        let rest = count - i
        if rest > 0 {
            let second = rest == 2 ? UInt32(src[i + 1]) : 0
            let n = UInt32(src[i]) << 16 | second << 8
            dst[o] = chars[Int(n >> 18)]
            dst[o + 1] = chars[Int(n >> 12 & 63)]
            dst[o + 2] = rest == 2 ? chars[Int(n >> 6 & 63)] : UInt8(ascii: "=")
            dst[o + 3] = UInt8(ascii: "=")
            o += 4
        }
        return o
    }

    /// The bytes `text` encodes, or nil when it is not padded standard base64
    /// (wrong length, a character outside the alphabet, padding in the middle).
    /// Non-zero bits after the last character are accepted, as most decoders do.
    static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        let count = text.count
        guard count > 0, let base = text.baseAddress else { return [] }
        guard count % 4 == 0 else { return nil }
        let src = base.assumingMemoryBound(to: UInt8.self)
        var padding = 0
        if src[count - 1] == UInt8(ascii: "=") { padding = src[count - 2] == UInt8(ascii: "=") ? 2 : 1 }
        let outputCount = count / 4 * 3 - padding
        return decodeTable.withUnsafeBufferPointer { table -> [UInt8]? in
            var valid = true
            let result = [UInt8](unsafeUninitializedCapacity: outputCount) { dst, initialized in
                var o = 0
                var i = 0
                let fullEnd = padding == 0 ? count : count - 4
                while i < fullEnd {
                    let a = table[Int(src[i])], b = table[Int(src[i + 1])]
                    let c = table[Int(src[i + 2])], d = table[Int(src[i + 3])]
                    // Any 0xFF entry sets bit 6 or 7, which no valid 6-bit value does.
                    if (a | b | c | d) & 0xC0 != 0 { valid = false; return }
                    let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    dst[o] = UInt8(truncatingIfNeeded: n >> 16)
                    dst[o + 1] = UInt8(truncatingIfNeeded: n >> 8)
                    dst[o + 2] = UInt8(truncatingIfNeeded: n)
                    o += 3
                    i += 4
                }
                if padding > 0 {
                    let a = table[Int(src[i])], b = table[Int(src[i + 1])]
                    let c = padding == 1 ? table[Int(src[i + 2])] : 0
                    if (a | b | c) & 0xC0 != 0 { valid = false; return }
                    let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    dst[o] = UInt8(truncatingIfNeeded: n >> 16)
                    if padding == 1 { dst[o + 1] = UInt8(truncatingIfNeeded: n >> 8) }
                }
                initialized = outputCount
            }
            return valid ? result : nil
        }
    }
}
