import Testing
@testable import Sediment

/// Records encoded straight from their bytes must be exactly what decoding them into
/// messages first gives: compaction and `jsonl` answers rely on it.
@Suite("RecordRun")
struct RecordRunTests {
    /// Random messages framed as a segment block holds them, one partition each.
    static func frames(_ messages: [Message]) throws -> [RecordRun] {
        try messages.map { message in
            var bytes: [UInt8] = []
            RecordFormat.appendUnsealed(message, to: &bytes)
            bytes.withUnsafeMutableBytes { RecordFormat.seal($0) }
            let body = try bytes.withUnsafeBytes { raw -> Range<Int> in
                guard case .body(let body) = RecordDecoder.checkFrame(raw) else { throw Failure() }
                #expect(FrameView(body: UnsafeRawBufferPointer(rebasing: raw[body]), partition: message.partition) != nil)
                return body
            }
            return RecordRun(
                storage: .copying(bytes, as: .frames(partition: message.partition)),
                entries: [RecordEntry(position: RunBound(message), start: body.lowerBound, length: body.count)])
        }
    }

    struct Failure: Error {}

    @Test("a record read in place from its frame gives its message, its value and its JSON line byte for byte")
    func framesEncodeAsMessages() throws {
        let cases = JSONLineCodecTests.randomMessages(count: 2000, seed: 17)
        let runs = try Self.frames(cases.map(\.1))
        for ((topic, message), run) in zip(cases, runs) {
            let record = run.record(at: 0)
            #expect(try record.message() == message)
            var direct: [UInt8] = []
            try record.appendJSONLine(topic: topic, to: &direct)
            var decoded: [UInt8] = []
            JSONLineEncoder.append(message, topic: topic, to: &decoded)
            #expect(direct == decoded)
            let value = try record.withValue { $0.map { Array($0) } }
            #expect(value == message.value)
        }
    }

    @Test("a line's opening gives the position decoding it whole gives, and a line of another shape gives none")
    func linePrefix() throws {
        var extremes = JSONLineCodecTests.randomMessages(count: 2000, seed: 23)
        for (offset, timestamp) in [(Int64.min, Int64.min), (Int64.max, Int64.max), (0, -1), (-1, 0)] {
            extremes.append(("t", Message(partition: .min, offset: offset, timestamp: timestamp, value: nil)))
        }
        for (topic, message) in extremes {
            var line: [UInt8] = []
            JSONLineEncoder.append(message, topic: topic, to: &line)
            let position = line.dropLast().withUnsafeBytes { JSONLinePrefix.position($0) }
            #expect(position == RunBound(message), "\(topic) \(message.partition)/\(message.offset)@\(message.timestamp)")
        }
        for other in [
            #"{"partition":1,"topic":"t","offset":2,"tstype":"create","ts":3,"key":null,"payload":null}"#,
            #"{ "topic":"t","partition":1,"offset":2,"tstype":"create","ts":3,"key":null,"payload":null}"#,
            #"{"topic":"t","partition":01,"offset":2,"tstype":"create","ts":3,"key":null,"payload":null}"#,
            #"{"topic":"t","partition":1,"offset":99999999999999999999,"tstype":"create","ts":3,"payload":null}"#,
            #"{"topic":"t","partition":4294967296,"offset":2,"tstype":"create","ts":3,"payload":null}"#,
            #"{"topic":"t","partition":1,"offset":2,"tstype":"create","ts":3}"#,
            #"{"topic":"t"#,
        ] {
            #expect(Array(other.utf8).withUnsafeBytes { JSONLinePrefix.position($0) } == nil, "\(other)")
        }
    }

    @Test("a frame whose CRC matches but whose body does not match its layout is an error when read or encoded, never a trap")
    func malformedBody() throws {
        var bytes: [UInt8] = []
        RecordFormat.appendUnsealed(Message(partition: 2, offset: 41, timestamp: 7, value: Array("v".utf8)), to: &bytes)
        // The header count (after offset, timestamp, type and a null key's length) claims 9 headers.
        bytes[8 + 8 + 8 + 1 + 4] = 9
        bytes.withUnsafeMutableBytes { RecordFormat.seal($0) }
        let run = RecordRun(
            storage: .copying(bytes, as: .frames(partition: 2)),
            entries: [RecordEntry(position: RunBound(timestamp: 7, partition: 2, offset: 41), start: 8, length: bytes.count - 8)])
        let record = run.record(at: 0)
        var out: [UInt8] = []
        #expect(throws: SedimentError.self) { try record.appendJSONLine(topic: "t", to: &out) }
        #expect(throws: SedimentError.self) { try record.message() }
        #expect(out.isEmpty)
    }
}
