/// A byte-level JSON tokenizer for one line, the layer under `JSONLineDecoder`.
///
/// It works on bytes rather than `String` because kcat copies non-UTF-8 bytes raw
/// into its JSON strings, and those bytes must come out exactly as they went in.
/// Strings are returned as spans into the line so that the common case (no
/// escapes) costs one scan and one copy.
struct JSONScanner {
    /// The bytes between a string's quotes; `escaped` says whether they need `unescape`.
    struct Span {
        var start: Int
        var end: Int
        var escaped: Bool
        var count: Int { end - start }
    }

    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    let p: UnsafePointer<UInt8>
    let count: Int
    var i = 0

    init(_ p: UnsafePointer<UInt8>, count: Int) {
        self.p = p
        self.count = count
    }

    // MARK: errors

    func fail(_ reason: String, at index: Int) -> JSONLineError {
        JSONLineError(reason: reason, column: index + 1)
    }

    func unexpected(at index: Int) -> JSONLineError {
        guard index < count else { return fail("unexpected end of line", at: index) }
        let byte = p[index]
        if byte > 0x20 && byte < 0x7F {
            return fail("unexpected character '\(Character(Unicode.Scalar(byte)))'", at: index)
        }
        return fail("unexpected byte 0x\(hex(byte))", at: index)
    }

    /// The JSON type a value starting at `index` would have, for "found X" messages.
    func kind(at index: Int) -> String? {
        guard index < count else { return nil }
        switch p[index] {
        case Self.quote: return "string"
        case UInt8(ascii: "{"): return "object"
        case UInt8(ascii: "["): return "array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "number"
        default: return nil
        }
    }

    /// `field "x" must be <expected>, found <kind>` at the current position.
    func typeError(_ field: StaticString, _ expected: String) -> JSONLineError {
        guard let found = kind(at: i) else { return unexpected(at: i) }
        return fail("field \"\(field)\" must be \(expected), found \(found)", at: i)
    }

    // MARK: structure

    @inline(__always)
    mutating func skipWhitespace() {
        while i < count {
            let byte = p[i]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            i += 1
        }
    }

    /// The next non-whitespace byte, or nil at the end of the line.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return i < count ? p[i] : nil
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(JSONLineError) {
        guard peek() == byte else { throw unexpected(at: i) }
        i += 1
    }

    mutating func literal(_ text: StaticString) throws(JSONLineError) {
        let bytes = text.utf8Start
        for k in 0..<text.utf8CodeUnitCount {
            guard i < count, p[i] == bytes[k] else { throw unexpected(at: i) }
            i += 1
        }
    }

    // MARK: numbers and skipping

    /// The integer at `i`; a fraction or exponent is a type error, not a rounding.
    mutating func integer(_ field: StaticString) throws(JSONLineError) -> Int64 {
        let start = i
        var j = i
        let negative = j < count && p[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        let digitsStart = j
        var magnitude: UInt64 = 0
        // Eight digits per step (a millisecond timestamp has 13): check that every lane
        // is '0'...'9', then fold lanes pairwise, 1+1 → 2 → 4 → 8 digits.
        while j + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
            let high = JSONWordScan.ones &* 0xF0, zeros = JSONWordScan.ones &* 0x30
            guard word & high == zeros, (word &+ JSONWordScan.ones &* 0x06) & high == zeros else { break }
            var v = word &- zeros
            v = (v &* 10 &+ v >> 8) & 0x00FF_00FF_00FF_00FF
            v = (v &* 100 &+ v >> 16) & 0x0000_FFFF_0000_FFFF
            v = (v &* 10000 &+ v >> 32) & 0xFFFF_FFFF
            magnitude = magnitude &* 100_000_000 &+ v
            j += 8
        }
        while j < count, case let digit = p[j] &- UInt8(ascii: "0"), digit < 10 {
            magnitude = magnitude &* 10 &+ UInt64(digit)
            j += 1
        }
        var overflow = false
        if j - digitsStart > 18 {
            // Only 19 digits or more can overflow: redo those with checks.
            magnitude = 0
            for k in digitsStart..<j {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(p[k] &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = sum
            }
        }
        guard j > digitsStart else { throw negative ? unexpected(at: j) : typeError(field, "an integer") }
        if j < count, p[j] == UInt8(ascii: ".") || p[j] | 0x20 == UInt8(ascii: "e") {
            throw fail("field \"\(field)\" must be an integer, found number", at: start)
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard !overflow, magnitude <= limit else { throw fail("field \"\(field)\" is out of range", at: start) }
        i = j
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    /// Steps over any value: the fields Sediment does not use (kcat's "broker").
    mutating func skipValue(depth: Int = 0) throws(JSONLineError) {
        guard let byte = peek() else { throw unexpected(at: i) }
        guard depth < 64 else { throw fail("nesting too deep", at: i) }
        switch byte {
        case Self.quote: _ = try scanString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            i += 1
            if peek() == close {
                i += 1
                return
            }
            while true {
                if isObject {
                    guard peek() == Self.quote else { throw unexpected(at: i) }
                    _ = try scanString()
                    try expect(UInt8(ascii: ":"))
                }
                try skipValue(depth: depth + 1)
                let next = peek()
                guard next == close || next == UInt8(ascii: ",") else { throw unexpected(at: i) }
                i += 1
                if next == close { return }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if byte == UInt8(ascii: "-") { i += 1 }
            try digits()
            if i < count, p[i] == UInt8(ascii: ".") {
                i += 1
                try digits()
            }
            if i < count, p[i] | 0x20 == UInt8(ascii: "e") {
                i += 1
                if i < count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
                try digits()
            }
        default: throw unexpected(at: i)
        }
    }

    private mutating func digits() throws(JSONLineError) {
        let start = i
        while i < count, p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
        guard i > start else { throw unexpected(at: i) }
    }

    // MARK: strings

    /// Scans the string whose opening quote is at `i`; leaves `i` after the closing quote.
    /// Escapes are only stepped over here; `unescape` checks them.
    mutating func scanString() throws(JSONLineError) -> Span {
        let open = i
        var j = i + 1
        var escaped = false
        while true {
            while j + 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
                let lanes = JSONWordScan.stringStopLanes(word)
                if lanes != 0 {
                    j += lanes.trailingZeroBitCount >> 3
                    break
                }
                j += 8
            }
            while j < count {
                let byte = p[j]
                if byte == Self.quote || byte == Self.backslash || byte < 0x20 { break }
                j += 1
            }
            guard j < count else { throw fail("unterminated string", at: open) }
            let byte = p[j]
            if byte == Self.quote {
                i = j + 1
                return Span(start: open + 1, end: j, escaped: escaped)
            }
            if byte == Self.backslash {
                escaped = true
                j += 2
                continue
            }
            throw fail("control character 0x\(hex(byte)) in string must be escaped", at: j)
        }
    }

    /// The bytes a string span stands for: the raw bytes, or the unescaped ones.
    func bytes(of span: Span) throws(JSONLineError) -> [UInt8] {
        if !span.escaped { return Array(UnsafeBufferPointer(start: p + span.start, count: span.count)) }
        return try unescape(span)
    }

    /// Whether an unescaped span holds exactly `text` (field names, enum values).
    @inline(__always)
    func spanEquals(_ span: Span, _ text: StaticString) -> Bool {
        guard !span.escaped, span.count == text.utf8CodeUnitCount else { return false }
        let bytes = text.utf8Start
        for k in 0..<span.count where p[span.start + k] != bytes[k] { return false }
        return true
    }

    func unescape(_ span: Span) throws(JSONLineError) -> [UInt8] {
        var failure: JSONLineError?
        // Unescaping never lengthens a string (at most 4 bytes out of a 12-byte
        // surrogate pair), so the span's length is enough room.
        let bytes = [UInt8](unsafeUninitializedCapacity: span.count) { buffer, initialized in
            do throws(JSONLineError) {
                initialized = try unescape(span, into: buffer.baseAddress!)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    private func unescape(_ span: Span, into out: UnsafeMutablePointer<UInt8>) throws(JSONLineError) -> Int {
        var o = 0
        var j = span.start
        while j < span.end {
            if j + 8 <= span.end {
                // Copy a word at a time up to the next backslash. Storing the whole word
                // is safe: output never runs ahead of input, so `o + 8 <= span.count`.
                let raw = UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(out + o).storeBytes(of: raw, as: UInt64.self)
                let lanes = JSONWordScan.zeroLanes(UInt64(littleEndian: raw) ^ (JSONWordScan.ones &* 0x5C))
                guard lanes != 0 else {
                    j += 8
                    o += 8
                    continue
                }
                let plain = lanes.trailingZeroBitCount >> 3
                j += plain
                o += plain
            } else if p[j] != Self.backslash {
                out[o] = p[j]
                o += 1
                j += 1
                continue
            }
            let escape = j
            let letter = p[j + 1]  // scanString guarantees a byte follows every backslash
            j += 2
            let decoded: UInt8
            switch letter {
            case Self.quote, Self.backslash, UInt8(ascii: "/"): decoded = letter
            case UInt8(ascii: "n"): decoded = 0x0A
            case UInt8(ascii: "r"): decoded = 0x0D
            case UInt8(ascii: "t"): decoded = 0x09
            case UInt8(ascii: "b"): decoded = 0x08
            case UInt8(ascii: "f"): decoded = 0x0C
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: j, end: span.end, escape: escape)
                j += 4
                if scalar >= 0xD800 && scalar <= 0xDFFF {
                    // UTF-16 surrogates are only meaningful as a high + low pair.
                    let lone = fail("lone surrogate \\u\(hex(scalar)) in string", at: escape)
                    guard scalar <= 0xDBFF, j + 6 <= span.end, p[j] == Self.backslash, p[j + 1] == UInt8(ascii: "u")
                    else { throw lone }
                    let low = try hex4(at: j + 2, end: span.end, escape: j)
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw lone }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                }
                for byte in Unicode.Scalar(scalar)!.utf8 {  // never nil: surrogates were handled above
                    out[o] = byte
                    o += 1
                }
                continue
            default:
                let shown = letter > 0x20 && letter < 0x7F ? String(Unicode.Scalar(letter)) : "0x" + hex(letter)
                throw fail("invalid escape '\\\(shown)' in string", at: escape)
            }
            out[o] = decoded
            o += 1
        }
        return o
    }

    private func hex4(at index: Int, end: Int, escape: Int) throws(JSONLineError) -> UInt32 {
        guard index + 4 <= end else { throw fail("invalid \\u escape in string", at: escape) }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = p[index + k]
            let digit: UInt8 = switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: 0xFF
            }
            guard digit < 16 else { throw fail("invalid \\u escape in string", at: escape) }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// Two or more uppercase hex digits, for error messages about bytes and code units.
fileprivate func hex(_ value: some BinaryInteger) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count % 2 == 1 ? "0" + digits : digits
}
