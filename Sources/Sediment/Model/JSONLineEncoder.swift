/// Writes Sediment's `jsonl` lines: kcat's `-J` envelope, made strict JSON and lossless.
///
/// Bytes that are valid UTF-8 are written as JSON strings so that the files stay
/// readable with `jq` and `grep`; anything else becomes `{"base64":"..."}`, which
/// kcat does not do (it copies the raw bytes and produces invalid JSON).
enum JSONLineEncoder {
    /// Appends one line (with a trailing "\n") for the message to `out`.
    static func append<Fields: JSONLineFields>(_ message: Fields, topic: String, to out: inout [UInt8]) {
        var topic = topic
        topic.withUTF8 { topicBytes in
            // The line is built in a scratch buffer sized for the worst case (every
            // byte escaped as \u00XX) and copied once: one append on `out` instead
            // of one per field, which dominated the cost.
            let bound = 160 + 6 * topicBytes.count + message.encodedBound
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer in
                var w = Writer(p: buffer.baseAddress!)
                w.literal("{\"topic\":")
                w.string(UnsafeRawBufferPointer(topicBytes))
                w.literal(",\"partition\":")
                w.integer(Int64(message.partition))
                w.literal(",\"offset\":")
                w.integer(message.offset)
                switch message.timestampType {
                case .createTime: w.literal(",\"tstype\":\"create\",\"ts\":")
                case .logAppendTime: w.literal(",\"tstype\":\"logappend\",\"ts\":")
                case .notAvailable: w.literal(",\"tstype\":\"none\",\"ts\":")
                }
                w.integer(message.timestamp)
                w.literal(",\"key\":")
                message.withKey { w.bytes($0) }
                if message.hasHeaders {
                    w.literal(",\"headers\":[")
                    var first = true
                    message.forEachHeader { name, value in
                        if !first { w.byte(UInt8(ascii: ",")) }
                        first = false
                        w.string(name)
                        w.byte(UInt8(ascii: ","))
                        w.bytes(value)
                    }
                    w.byte(UInt8(ascii: "]"))
                }
                w.literal(",\"payload\":")
                message.withValue { w.bytes($0) }
                w.literal("}\n")
                precondition(w.n <= bound, "JSON line bound too small")
                out.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: w.n))
            }
        }
    }

    /// The most `Writer.bytes` can write for `count` bytes: `{"base64":"..."}` or a
    /// string escaping every byte.
    static func maxLength(_ count: Int?) -> Int { 16 + 6 * (count ?? 0) }
}

/// What a JSON line is written from: a `Message`, or a record still in its segment frame
/// (written without first copying its key, headers and value into arrays).
protocol JSONLineFields {
    var partition: Int32 { get }
    var offset: Int64 { get }
    var timestamp: Int64 { get }
    var timestampType: TimestampType { get }
    /// The most key, headers and value can take once written (`JSONLineEncoder.maxLength`).
    var encodedBound: Int { get }
    var hasHeaders: Bool { get }
    /// nil for a null key.
    func withKey(_ body: (UnsafeRawBufferPointer?) -> Void)
    /// nil for a tombstone.
    func withValue(_ body: (UnsafeRawBufferPointer?) -> Void)
    /// Each header's name (UTF-8) and value (nil when it has none), in order.
    func forEachHeader(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void)
}

extension Message: JSONLineFields {
    var encodedBound: Int {
        var bound = JSONLineEncoder.maxLength(key?.count) + JSONLineEncoder.maxLength(value?.count)
        for header in headers { bound += 8 + 6 * header.name.utf8.count + JSONLineEncoder.maxLength(header.value?.count) }
        return bound
    }

    var hasHeaders: Bool { !headers.isEmpty }

    func withKey(_ body: (UnsafeRawBufferPointer?) -> Void) { Self.with(key, body) }
    func withValue(_ body: (UnsafeRawBufferPointer?) -> Void) { Self.with(value, body) }

    func forEachHeader(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) {
        for header in headers {
            var name = header.name
            name.withUTF8 { name in Self.with(header.value) { body(UnsafeRawBufferPointer(name), $0) } }
        }
    }

    private static func with(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Void) {
        guard let bytes else { return body(nil) }
        bytes.withUnsafeBytes { body($0) }
    }
}

/// Writes into memory the caller has sized; no bounds checks of its own.
private struct Writer {
    let p: UnsafeMutablePointer<UInt8>
    var n = 0

    init(p: UnsafeMutablePointer<UInt8>) { self.p = p }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        p[n] = value
        n += 1
    }

    @inline(__always)
    mutating func literal(_ text: StaticString) {
        copy(text.utf8Start, text.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func copy(_ source: UnsafePointer<UInt8>, _ count: Int) {
        (p + n).update(from: source, count: count)
        n += count
    }

    /// `null`, a JSON string, or the base64 marker object.
    mutating func bytes(_ raw: UnsafeRawBufferPointer?) {
        guard let raw else { return literal("null") }
        if UTF8Validation.isValidUTF8(raw) {
            string(raw)
        } else {
            literal("{\"base64\":\"")
            n += Base64.encode(raw, to: p + n)
            literal("\"}")
        }
    }

    /// A quoted JSON string of bytes already known to be valid UTF-8. Runs that need
    /// no escape are copied whole; only `"`, `\`, C0 controls and DEL are escaped
    /// (DEL too, so that no raw control byte reaches a terminal through `cat`).
    mutating func string(_ bytes: UnsafeRawBufferPointer) {
        byte(UInt8(ascii: "\""))
        if let base = bytes.baseAddress {
            let source = base.assumingMemoryBound(to: UInt8.self)
            let count = bytes.count
            var runStart = 0
            var i = 0
            while i < count {
                if i + 8 <= count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self))
                    let lanes = JSONWordScan.escapeLanes(word)
                    guard lanes != 0 else {
                        i += 8
                        continue
                    }
                    i += lanes.trailingZeroBitCount >> 3
                }
                let value = source[i]
                i += 1
                guard JSONWordScan.needsEscape(value) else { continue }
                copy(source + runStart, i - 1 - runStart)
                escape(value)
                runStart = i
            }
            copy(source + runStart, count - runStart)
        }
        byte(UInt8(ascii: "\""))
    }

    private mutating func escape(_ value: UInt8) {
        switch value {
        case UInt8(ascii: "\""): literal("\\\"")
        case UInt8(ascii: "\\"): literal("\\\\")
        case 0x0A: literal("\\n")
        case 0x0D: literal("\\r")
        case 0x09: literal("\\t")
        case 0x08: literal("\\b")
        case 0x0C: literal("\\f")
        default:
            let hex: StaticString = "0123456789abcdef"
            literal("\\u00")
            byte(hex.utf8Start[Int(value >> 4)])
            byte(hex.utf8Start[Int(value & 0x0F)])
        }
    }

    /// Decimal digits, two at a time from a pair table, without a `String`.
    mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var rest = value.magnitude
        var digits = 1
        var probe = rest
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let pairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
        var end = n + digits
        n = end
        while rest >= 100 {
            let pair = Int(rest % 100) * 2
            rest /= 100
            end -= 2
            p[end] = pairs.utf8Start[pair]
            p[end + 1] = pairs.utf8Start[pair + 1]
        }
        if rest >= 10 {
            p[end - 2] = pairs.utf8Start[Int(rest) * 2]
            p[end - 1] = pairs.utf8Start[Int(rest) * 2 + 1]
        } else {
            p[end - 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
    }
}

/// Byte classes shared by the JSON encoder and decoder, with word-at-a-time forms
/// (SWAR) so that long plain runs are skipped 8 bytes per step.
enum JSONWordScan {
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

    /// Lanes the encoder escapes: the string stops plus DEL.
    @inline(__always)
    static func escapeLanes(_ word: UInt64) -> UInt64 {
        stringStopLanes(word) | zeroLanes(word ^ (ones &* 0x7F))
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
    }
}
