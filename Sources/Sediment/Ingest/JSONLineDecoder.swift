/// Why a JSON line was refused, and where: `column` is the 1-based byte column.
struct JSONLineError: Error, Sendable, Hashable, CustomStringConvertible {
    var reason: String
    var column: Int

    var description: String { "column \(column): \(reason)" }
}

/// One decoded line: `topic` is nil when the line did not carry one.
struct DecodedLine: Sendable, Hashable {
    var topic: String?
    var message: Message
}

/// Reads Sediment's `jsonl` lines, and kcat's `-J` lines, which are the same
/// envelope except that kcat puts non-UTF-8 bytes raw inside strings.
///
/// Fields may come in any order and unknown ones are skipped; `offset` and `ts`
/// are required because a message without them cannot be placed in the archive.
enum JSONLineDecoder {
    private enum Field {
        case topic, partition, offset, tstype, ts, key, payload, headers, other
    }

    /// `line` excludes the trailing newline (a trailing "\r" is tolerated).
    static func decode(_ line: UnsafeRawBufferPointer) throws(JSONLineError) -> DecodedLine {
        guard let base = line.baseAddress, !line.isEmpty else { throw JSONLineError(reason: "empty line", column: 1) }
        var s = JSONScanner(base.assumingMemoryBound(to: UInt8.self), count: line.count)
        guard s.peek() != nil else { throw JSONLineError(reason: "empty line", column: 1) }
        let objectStart = s.i
        try s.expect(UInt8(ascii: "{"))

        var topic: String?
        var partition: Int32 = 0
        var offset: Int64?
        var timestamp: Int64?
        var timestampType = TimestampType.createTime
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [Header] = []

        if s.peek() == UInt8(ascii: "}") {
            s.i += 1
        } else {
            while true {
                guard s.peek() == JSONScanner.quote else { throw s.unexpected(at: s.i) }
                let field = try fieldName(&s)
                try s.expect(UInt8(ascii: ":"))
                guard s.peek() != nil else { throw s.unexpected(at: s.i) }
                switch field {
                case .topic: topic = try self.topic(&s)
                case .partition:
                    let start = s.i
                    let number = try s.integer("partition")
                    guard let narrow = Int32(exactly: number) else {
                        throw s.fail("field \"partition\" is out of range", at: start)
                    }
                    partition = narrow
                case .offset: offset = try s.integer("offset")
                case .ts: timestamp = try s.integer("ts")
                case .tstype: timestampType = try self.timestampType(&s)
                case .key: key = try bytes(&s, field: "key")
                case .payload: value = try bytes(&s, field: "payload")
                case .headers: headers = try self.headers(&s)
                case .other: try s.skipValue()
                }
                let next = s.peek()
                guard next == UInt8(ascii: ",") || next == UInt8(ascii: "}") else { throw s.unexpected(at: s.i) }
                s.i += 1
                if next == UInt8(ascii: "}") { break }
            }
        }
        if s.peek() != nil { throw s.fail("trailing data after the object", at: s.i) }
        guard let offset else { throw s.fail("missing field \"offset\"", at: objectStart) }
        guard let timestamp else { throw s.fail("missing field \"ts\"", at: objectStart) }
        let message = Message(
            partition: partition, offset: offset, timestamp: timestamp, timestampType: timestampType,
            key: key, headers: headers, value: value
        )
        return DecodedLine(topic: topic, message: message)
    }

    /// The field whose name starts at `s.i` (its opening quote); leaves `s.i` after the
    /// closing quote. Known names are recognized by one 8-byte load compared with their
    /// bytes plus the closing quote (little-endian constants below), which skips the
    /// general string scan for every field of every line.
    private static func fieldName(_ s: inout JSONScanner) throws(JSONLineError) -> Field {
        if s.i + 11 <= s.count {
            let w = UInt64(littleEndian: UnsafeRawPointer(s.p + s.i + 1).loadUnaligned(as: UInt64.self))
            var known: (Field, Int)?
            switch UInt8(truncatingIfNeeded: w) {
            case UInt8(ascii: "t"):
                if w & 0xFF_FFFF == 0x22_7374 { known = (.ts, 3) }  // ts"
                else if w & 0xFFFF_FFFF_FFFF == 0x2263_6970_6F74 { known = (.topic, 6) }  // topic"
                else if w & 0xFF_FFFF_FFFF_FFFF == 0x22_6570_7974_7374 { known = (.tstype, 7) }  // tstype"
            case UInt8(ascii: "o"):
                if w & 0xFF_FFFF_FFFF_FFFF == 0x22_7465_7366_666F { known = (.offset, 7) }  // offset"
            case UInt8(ascii: "k"):
                if w & 0xFFFF_FFFF == 0x2279_656B { known = (.key, 4) }  // key"
            case UInt8(ascii: "h"):
                if w == 0x2273_7265_6461_6568 { known = (.headers, 8) }  // headers"
            case UInt8(ascii: "p"):
                if w == 0x2264_616F_6C79_6170 { known = (.payload, 8) }  // payload"
                else if w == 0x6F69_7469_7472_6170, s.p[s.i + 9] == UInt8(ascii: "n"), s.p[s.i + 10] == JSONScanner.quote {
                    known = (.partition, 10)  // partitio + n"
                }
            default: break
            }
            if let (field, length) = known {
                s.i += 1 + length
                return field
            }
        }
        // Escaped names, unknown names and names near the end of the line.
        let span = try s.scanString()
        guard span.escaped else { return field(named: UnsafeBufferPointer(start: s.p + span.start, count: span.count)) }
        return try s.unescape(span).withUnsafeBufferPointer { field(named: $0) }
    }

    private static func field(named name: UnsafeBufferPointer<UInt8>) -> Field {
        func equals(_ text: StaticString) -> Bool {
            name.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        if equals("topic") { return .topic }
        if equals("partition") { return .partition }
        if equals("offset") { return .offset }
        if equals("tstype") { return .tstype }
        if equals("ts") { return .ts }
        if equals("key") { return .key }
        if equals("payload") { return .payload }
        if equals("headers") { return .headers }
        return .other
    }

    /// The topic: a string that must be valid UTF-8, or null for none.
    private static func topic(_ s: inout JSONScanner) throws(JSONLineError) -> String? {
        if s.p[s.i] == UInt8(ascii: "n") {
            try s.literal("null")
            return nil
        }
        guard s.p[s.i] == JSONScanner.quote else { throw s.typeError("topic", "a string") }
        return try text(&s, what: "field \"topic\"")
    }

    /// A string at `s.i` as a `String`, refused when its bytes are not UTF-8 rather
    /// than repaired (a repaired name would silently differ from the one in Kafka).
    private static func text(_ s: inout JSONScanner, what: String) throws(JSONLineError) -> String {
        let start = s.i
        let span = try s.scanString()
        if !span.escaped {
            let raw = UnsafeRawBufferPointer(start: s.p + span.start, count: span.count)
            guard UTF8Validation.isValidUTF8(raw) else { throw s.fail("\(what) is not valid UTF-8", at: start) }
            return String(decoding: raw, as: UTF8.self)
        }
        let bytes = try s.unescape(span)
        guard UTF8Validation.isValidUTF8(bytes) else { throw s.fail("\(what) is not valid UTF-8", at: start) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func timestampType(_ s: inout JSONScanner) throws(JSONLineError) -> TimestampType {
        let start = s.i
        guard s.p[start] == JSONScanner.quote else {
            if s.p[start] == UInt8(ascii: "n") {
                try s.literal("null")
                return .createTime
            }
            throw s.typeError("tstype", "a string")
        }
        let span = try s.scanString()
        if s.spanEquals(span, "create") { return .createTime }
        if s.spanEquals(span, "logappend") { return .logAppendTime }
        if s.spanEquals(span, "none") { return .notAvailable }
        let text = String(decoding: try s.bytes(of: span), as: UTF8.self)
        guard let type = TimestampType(name: text) else {
            throw s.fail("field \"tstype\" has unknown value \"\(text)\"", at: start)
        }
        return type
    }

    /// null, a string (its bytes), or `{"base64":"..."}` for bytes that are not UTF-8.
    private static func bytes(_ s: inout JSONScanner, field: StaticString) throws(JSONLineError) -> [UInt8]? {
        let start = s.i
        switch s.p[start] {
        case UInt8(ascii: "n"):
            try s.literal("null")
            return nil
        case JSONScanner.quote:
            return try s.bytes(of: s.scanString())
        case UInt8(ascii: "{"):
            s.i += 1
            guard s.peek() == JSONScanner.quote, s.spanEquals(try s.scanString(), "base64") else {
                throw s.fail("field \"\(field)\" must be null, a string or {\"base64\":\"...\"}", at: start)
            }
            try s.expect(UInt8(ascii: ":"))
            guard s.peek() == JSONScanner.quote else { throw s.fail("invalid base64 in field \"\(field)\"", at: s.i) }
            let span = try s.scanString()
            let decoded: [UInt8]?
            if span.escaped {
                // Some encoders write "/" as "\/", which base64 text is full of.
                decoded = try s.bytes(of: span).withUnsafeBytes { Base64.decode($0) }
            } else {
                decoded = Base64.decode(UnsafeRawBufferPointer(start: s.p + span.start, count: span.count))
            }
            guard let decoded else { throw s.fail("invalid base64 in field \"\(field)\"", at: span.start - 1) }
            try s.expect(UInt8(ascii: "}"))
            return decoded
        default:
            throw s.typeError(field, "null, a string or {\"base64\":\"...\"}")
        }
    }

    /// kcat's flat `[name, value, name, value, ...]`; null stands for no headers.
    private static func headers(_ s: inout JSONScanner) throws(JSONLineError) -> [Header] {
        if s.p[s.i] == UInt8(ascii: "n") {
            try s.literal("null")
            return []
        }
        guard s.p[s.i] == UInt8(ascii: "[") else { throw s.typeError("headers", "an array") }
        s.i += 1
        var headers: [Header] = []
        if s.peek() == UInt8(ascii: "]") {
            s.i += 1
            return headers
        }
        while true {
            guard let first = s.peek() else { throw s.unexpected(at: s.i) }
            guard first == JSONScanner.quote else {
                guard let found = s.kind(at: s.i) else { throw s.unexpected(at: s.i) }
                throw s.fail("header name must be a string, found \(found)", at: s.i)
            }
            let name = try text(&s, what: "header name")
            let separator = s.peek()
            guard separator == UInt8(ascii: ",") else {
                if separator == nil { throw s.unexpected(at: s.i) }
                throw s.fail("field \"headers\" has a name without a value", at: s.i)
            }
            s.i += 1
            guard s.peek() != nil else { throw s.unexpected(at: s.i) }
            headers.append(Header(name: name, value: try bytes(&s, field: "headers")))
            let next = s.peek()
            guard next == UInt8(ascii: ",") || next == UInt8(ascii: "]") else { throw s.unexpected(at: s.i) }
            s.i += 1
            if next == UInt8(ascii: "]") { return headers }
        }
    }
}
