import Foundation
import Testing

@testable import Sediment

@Suite("JSONLine codec")
struct JSONLineCodecTests {
    // MARK: helpers

    static func decode(_ bytes: [UInt8]) throws -> DecodedLine {
        try bytes.withUnsafeBytes { try JSONLineDecoder.decode($0) }
    }

    static func decode(_ text: String) throws -> DecodedLine { try decode(Array(text.utf8)) }

    static func encode(_ message: Message, topic: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONLineEncoder.append(message, topic: topic, to: &out)
        return out
    }


    static func randomText(_ rng: inout SplitMix64) -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}",
                                      "é", "€", "\u{2028}", "😀", "\u{10FFFF}", "{", "}"]
        return String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &rng)).map { _ in pool.randomElement(using: &rng)! }))
    }

    static func randomBytes(_ rng: inout SplitMix64) -> [UInt8]? {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return nil
        case 1: return []
        case 2, 3: return Array(randomText(&rng).utf8)
        case 4: return (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:  // text broken by one byte that cannot start or continue a sequence here
            var bytes = Array(randomText(&rng).utf8)
            bytes.insert([0xFF, 0xC0, 0xED, 0x80, 0xF5].randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
            return bytes
        }
    }

    static func randomInt64(_ rng: inout SplitMix64) -> Int64 {
        [0, -1, 1, Int64.min, Int64.max, 1_795_608_971_938, Int64.random(in: .min ... .max, using: &rng)].randomElement(using: &rng)!
    }

    static func randomMessages(count: Int, seed: UInt64) -> [(String, Message)] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let headers = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                Header(name: randomText(&rng), value: randomBytes(&rng))
            }
            let message = Message(
                partition: Int32.random(in: .min ... .max, using: &rng), offset: randomInt64(&rng),
                timestamp: randomInt64(&rng), timestampType: TimestampType.allCases.randomElement(using: &rng)!,
                key: randomBytes(&rng), headers: headers, value: randomBytes(&rng)
            )
            return (["orders", "", "ü-topic", "a\"b\\c"].randomElement(using: &rng)!, message)
        }
    }

    // MARK: round trip and format

    @Test func roundTripsRandomMessages() throws {
        for (topic, message) in Self.randomMessages(count: 3000, seed: 42) {
            let line = Self.encode(message, topic: topic)
            #expect(line.last == 0x0A)
            #expect(line.dropLast().firstIndex(of: 0x0A) == nil)
            let decoded = try Self.decode(Array(line.dropLast()))
            #expect(decoded.message == message)
            #expect(decoded.topic == topic)
        }
    }

    @Test func encodesFieldsInKcatOrderWithMinimalEscapes() {
        let text = Message(partition: 3, offset: -7, timestamp: 1_795_608_971_938, timestampType: .logAppendTime,
                           value: Array("v\"1\\\n\r\t\u{8}\u{C}\u{1}\u{7F}é/".utf8))
        #expect(String(decoding: Self.encode(text, topic: "orders"), as: UTF8.self) ==
            #"{"topic":"orders","partition":3,"offset":-7,"tstype":"logappend","ts":1795608971938,"key":null,"payload":"v\"1\\\n\r\t\b\f\u0001\u007fé/"}"# + "\n")
        let binary = Message(offset: 0, timestamp: 0, timestampType: .notAvailable, key: [0xFF],
                             headers: [Header(name: "h", value: nil), Header(name: "g", value: [])], value: [0xC3])
        #expect(String(decoding: Self.encode(binary, topic: "t"), as: UTF8.self) ==
            #"{"topic":"t","partition":0,"offset":0,"tstype":"none","ts":0,"key":{"base64":"/w=="},"headers":["h",null,"g",""],"payload":{"base64":"ww=="}}"# + "\n")
    }

    @Test func encodedLinesAreStrictJSONForPython() throws {
        var out: [UInt8] = []
        for (topic, message) in Self.randomMessages(count: 500, seed: 7) { JSONLineEncoder.append(message, topic: topic, to: &out) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jsonl-\(UUID().uuidString).jsonl")
        try Data(out).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import json,sys; n=sum(1 for l in open(sys.argv[1],encoding='utf-8') if json.loads(l)); assert n==500, n", url.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    // MARK: decoding

    @Test func decodesKcatLinesIncludingRawBytes() throws {
        let first = try Self.decode(#"{"topic":"bench","partition":0,"offset":4,"tstype":"create","ts":1795608971938,"broker":1,"headers":["h1","a","h2","b"],"key":"k1","payload":"v1"}"#)
        #expect(first.topic == "bench")
        #expect(first.message == Message(partition: 0, offset: 4, timestamp: 1_795_608_971_938, timestampType: .createTime, key: Array("k1".utf8),
                                         headers: [Header(name: "h1", value: Array("a".utf8)), Header(name: "h2", value: Array("b".utf8))],
                                         value: Array("v1".utf8)))
        let raw = Array(#"{"topic":"bench","partition":1,"offset":3,"tstype":"create","ts":1795608974638,"broker":1,"key":null,"payload":"bin"#.utf8)
            + [0xFF, 0xFE] + Array(#"\u0001end"}"#.utf8) + [0x0D]
        let second = try Self.decode(raw)
        #expect(second.topic == "bench")
        #expect(second.message == Message(partition: 1, offset: 3, timestamp: 1_795_608_974_638, timestampType: .createTime, key: nil,
                                          headers: [], value: Array("bin".utf8) + [0xFF, 0xFE, 0x01] + Array("end".utf8)))
    }

    @Test func decodesEscapesSurrogatesAndLooseLayout() throws {
        let line = try Self.decode(#" { "p\u0061yload" : "a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\uDE00" , "ts":-5, "tstype":"LogAppendTime", "#
            + #""x":{"a":[1,-2.5e+3,true,false,null,{}],"b":[]}, "headers":[], "key":{ "base64" : "AP8\/" }, "offset":9 } "#)
        #expect(line.topic == nil)
        #expect(line.message == Message(partition: 0, offset: 9, timestamp: -5, timestampType: .logAppendTime, key: [0x00, 0xFF, 0x3F],
                                        value: Array("a\"b\\c/d\u{8}\u{C}\n\r\tAé€😀".utf8)))
    }

    static let errors: [(String, String, Int)] = [
        ("", "empty line", 1),
        ("  \r", "empty line", 1),
        (#"  {"ts":1}"#, #"missing field "offset""#, 3),
        (#"{"offset":1}"#, #"missing field "ts""#, 1),
        (#"{"offset":1,"ts":"5"}"#, #"field "ts" must be an integer, found string"#, 18),
        (#"{"offset":1.5,"ts":1}"#, #"field "offset" must be an integer, found number"#, 11),
        (#"{"offset":9223372036854775808,"ts":1}"#, #"field "offset" is out of range"#, 11),
        (#"{"partition":-2147483649,"offset":1,"ts":1}"#, #"field "partition" is out of range"#, 14),
        (#"{"offset":1,"ts":1,"key":"abc}"#, "unterminated string", 26),
        (#"{"offset":1,"ts":1,"payload":{"base64":"!!!!"}}"#, #"invalid base64 in field "payload""#, 40),
        (#"{"offset":1,"ts":1,"payload":{"base64":"abc"}}"#, #"invalid base64 in field "payload""#, 40),
        (#"{"offset":1,"ts":1,"payload":{"hex":"00"}}"#, #"field "payload" must be null, a string or {"base64":"..."}"#, 30),
        (#"{"offset":1,"ts":1x}"#, "unexpected character 'x'", 19),
        (#"{"offset":1,"ts":1"#, "unexpected end of line", 19),
        (#"[1]"#, "unexpected character '['", 1),
        (#"{"offset":1,"ts":1} x"#, "trailing data after the object", 21),
        (#"{"offset":1,"ts":1,"tstype":"foo"}"#, #"field "tstype" has unknown value "foo""#, 29),
        (#"{"offset":1,"ts":1,"key":"\q"}"#, #"invalid escape '\q' in string"#, 27),
        (#"{"offset":1,"ts":1,"key":"\u12"}"#, #"invalid \u escape in string"#, 27),
        (#"{"offset":1,"ts":1,"key":"\u0@41"}"#, #"invalid \u escape in string"#, 27),
        (#"{"x":"# + String(repeating: "[", count: 100), "nesting too deep", 70),
        (#"{"offset":1,"ts":1,"key":"x\ud83d"}"#, #"lone surrogate \uD83D in string"#, 28),
        (#"{"offset":1,"ts":1,"key":"\ud83d\u0041"}"#, #"lone surrogate \uD83D in string"#, 27),
        (#"{"offset":1,"ts":1,"key":"\ude00\ud83d"}"#, #"lone surrogate \uDE00 in string"#, 27),
        ("{\"offset\":1,\"ts\":1,\"key\":\"a\tb\"}", "control character 0x09 in string must be escaped", 28),
        (#"{"offset":1,"ts":1,"key":5}"#, #"field "key" must be null, a string or {"base64":"..."}, found number"#, 26),
        (#"{"offset":1,"ts":1,"headers":{}}"#, #"field "headers" must be an array, found object"#, 30),
        (#"{"offset":1,"ts":1,"headers":["a"]}"#, #"field "headers" has a name without a value"#, 34),
        (#"{"offset":1,"ts":1,"headers":[null,"a"]}"#, "header name must be a string, found null", 31),
        (#"{"offset":1,"ts":1,"topic":7}"#, #"field "topic" must be a string, found number"#, 28),
        (#"{"offset":1,"ts":1,"x":[1,}"#, "unexpected character '}'", 27),
    ]

    @Test(arguments: errors)
    func reportsErrorsWithColumns(line: String, reason: String, column: Int) {
        #expect(throws: JSONLineError(reason: reason, column: column)) { try Self.decode(line) }
    }

    @Test func refusesEveryTruncationAndSurvivesCorruption() {
        var rng = SplitMix64(seed: 99)
        for (topic, message) in Self.randomMessages(count: 60, seed: 3) {
            let line = Array(Self.encode(message, topic: topic).dropLast())
            for end in 0..<line.count {
                #expect(throws: JSONLineError.self) { try Self.decode(Array(line[..<end])) }
            }
            for _ in 0..<50 {  // under ASan this is the check that no read strays past the line
                var corrupted = line
                corrupted[Int.random(in: 0..<line.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                _ = try? Self.decode(corrupted)
            }
        }
    }

    @Test func refusesNonUTF8TopicAndHeaderNames() {
        let topic = Array(#"{"offset":1,"ts":1,"topic":"a"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(throws: JSONLineError(reason: #"field "topic" is not valid UTF-8"#, column: 28)) { try Self.decode(topic) }
        let header = Array(#"{"offset":1,"ts":1,"headers":[""#.utf8) + [0xC0, 0x80] + Array(#"",null]}"#.utf8)
        #expect(throws: JSONLineError(reason: "header name is not valid UTF-8", column: 31)) { try Self.decode(header) }
    }

    // MARK: helpers' own contracts

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            var out: [UInt8] = []
            Array(plain.utf8).withUnsafeBytes { Base64.encode($0, into: &out) }
            #expect(String(decoding: out, as: UTF8.self) == encoded)
            #expect(Array(encoded.utf8).withUnsafeBytes { Base64.decode($0) } == Array(plain.utf8))
        }
        for bad in ["Zg=", "Zg", "Z===", "====", "Zm9v!A==", "Zg==Zm9v", "Z=g=", "Zm 9v"] {
            #expect(Array(bad.utf8).withUnsafeBytes { Base64.decode($0) } == nil, "\(bad)")
        }
    }

    @Test func utf8ValidationAgreesWithTheStandardLibrary() {
        var rng = SplitMix64(seed: 1)
        let fixed: [[UInt8]] = [[0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x98],
                                [0xED, 0x9F, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], Array("plain ascii, longer than 8 bytes".utf8)]
        let samples = fixed + (0..<20_000).map { _ in
            // Mostly continuation and lead bytes, so that many samples are near-misses.
            (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0x80...0xF5, using: &rng) : UInt8.random(in: 0...0x7F, using: &rng)
            }
        }
        // Long ASCII runs around a near-miss, so that it falls in, across and after the
        // 32- and 8-byte steps over ASCII.
        let long = (0..<5_000).map { _ in
            let around = { (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) } }
            let middle = (0..<Int.random(in: 0...6, using: &rng)).map { _ in UInt8.random(in: 0x80...0xF5, using: &rng) }
            return around() + middle + around()
        }
        for bytes in samples + long {
            #expect(UTF8Validation.isValidUTF8(bytes) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }
}
