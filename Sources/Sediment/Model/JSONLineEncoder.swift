/// Writes Sediment's `jsonl` lines: kcat's `-J` envelope, made strict JSON and lossless.
///
/// Bytes that are valid UTF-8 are written as JSON strings so that the files stay
/// readable with `jq` and `grep`; anything else becomes `{"base64":"..."}`, which
/// kcat does not do (it copies the raw bytes and produces invalid JSON).
enum JSONLineEncoder {
    /// Appends one line (with a trailing "\n") for the message to `out`.
    static func append(_ message: Message, topic: String, to out: inout [UInt8]) {
        literal("{\"topic\":", to: &out)
        var topic = topic
        topic.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
        literal(",\"partition\":", to: &out)
        appendInteger(Int64(message.partition), to: &out)
        literal(",\"offset\":", to: &out)
        appendInteger(message.offset, to: &out)
        switch message.timestampType {
        case .createTime: literal(",\"tstype\":\"create\",\"ts\":", to: &out)
        case .logAppendTime: literal(",\"tstype\":\"logappend\",\"ts\":", to: &out)
        case .notAvailable: literal(",\"tstype\":\"none\",\"ts\":", to: &out)
        }
        appendInteger(message.timestamp, to: &out)
        literal(",\"key\":", to: &out)
        appendBytes(message.key, to: &out)
        if !message.headers.isEmpty {
            literal(",\"headers\":[", to: &out)
            for (index, header) in message.headers.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                var name = header.name
                name.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
                out.append(UInt8(ascii: ","))
                appendBytes(header.value, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        literal(",\"payload\":", to: &out)
        appendBytes(message.value, to: &out)
        literal("}\n", to: &out)
    }

    @inline(__always)
    private static func literal(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `null`, a JSON string, or the base64 marker object.
    private static func appendBytes(_ bytes: [UInt8]?, to out: inout [UInt8]) {
        guard let bytes else {
            literal("null", to: &out)
            return
        }
        bytes.withUnsafeBytes { raw in
            if UTF8Validation.isValidUTF8(raw) {
                appendString(raw, to: &out)
            } else {
                literal("{\"base64\":\"", to: &out)
                Base64.encode(raw, into: &out)
                literal("\"}", to: &out)
            }
        }
    }

    /// A quoted JSON string of bytes already known to be valid UTF-8. Runs of bytes
    /// that need no escape are copied in one go; only `"`, `\`, C0 controls and DEL
    /// are escaped (DEL so that no raw control byte ever reaches a terminal).
    static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        guard let base = bytes.baseAddress else {
            out.append(UInt8(ascii: "\""))
            return
        }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        var runStart = 0
        var i = 0
        while i < count {
            if i + 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                if !JSONBytes.wordNeedsEscape(word) {
                    i += 8
                    continue
                }
            }
            let byte = p[i]
            guard JSONBytes.needsEscape(byte) else {
                i += 1
                continue
            }
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
            appendEscape(byte, to: &out)
            i += 1
            runStart = i
        }
        if count > runStart { out.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: count - runStart)) }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): literal("\\\"", to: &out)
        case UInt8(ascii: "\\"): literal("\\\\", to: &out)
        case 0x0A: literal("\\n", to: &out)
        case 0x0D: literal("\\r", to: &out)
        case 0x09: literal("\\t", to: &out)
        case 0x08: literal("\\b", to: &out)
        case 0x0C: literal("\\f", to: &out)
        default:
            let hex: StaticString = "0123456789abcdef"
            literal("\\u00", to: &out)
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// Decimal digits without going through `String(describing:)`.
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value >= 0 && value < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            while magnitude > 0 {
                i -= 1
                digits[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
    }
}

/// Byte classes shared by the JSON encoder and decoder, with word-at-a-time forms
/// (SWAR) so that long plain runs are skipped 8 bytes per step.
enum JSONBytes {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// High bit set in each byte lane of `word` that is zero. Lanes above the first
    /// zero lane may be set spuriously (borrow), so only the lowest set lane is exact.
    @inline(__always)
    static func zeroLanes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highBits
    }

    /// Lanes holding `"`, `\` or a byte below 0x20: the bytes a JSON string cannot hold raw.
    @inline(__always)
    static func stringStopLanes(_ word: UInt64) -> UInt64 {
        zeroLanes(word ^ (ones &* 0x22)) | zeroLanes(word ^ (ones &* 0x5C)) | ((word &- ones &* 0x20) & ~word & highBits)
    }

    @inline(__always)
    static func wordNeedsEscape(_ word: UInt64) -> Bool {
        stringStopLanes(word) | zeroLanes(word ^ (ones &* 0x7F)) != 0
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
    }
}
