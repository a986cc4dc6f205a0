import Foundation
import Logging
import Testing
@testable import Sediment

@Suite("Ingest from lines")
struct IngestorTests {
    let directory = TemporaryDirectory(label: "ingest")

    func ingest(_ input: [UInt8], _ configure: (inout Ingestor.Options) -> Void, archive: String = "archive") throws -> Ingestor.Summary {
        let inputPath = directory.file("input-\(UUID().uuidString.prefix(6))")
        FileManager.default.createFile(atPath: inputPath, contents: Data(input))
        let descriptor = open(inputPath, O_RDONLY)
        defer { close(descriptor) }
        var options = Ingestor.Options()
        configure(&options)
        let writer = try ArchiveWriter(at: directory.file(archive))
        return try Ingestor(writer: writer, options: options, logger: Logger(label: "test"), now: { 42_000 })
            .run(descriptor: descriptor, name: "input.jsonl")
    }

    func stored(_ archive: String = "archive", topic: String = "t") throws -> [Message] {
        try Archive.open(at: directory.file(archive)).messages(instance: "local", topic: topic, in: Int64.min..<Int64.max).all()
    }

    static func jsonl(_ messages: [Message], topic: String = "t") -> [UInt8] {
        var out: [UInt8] = []
        for message in messages { JSONLineEncoder.append(message, topic: topic, to: &out) }
        return out
    }

    static let messages: [Message] = {
        var factory = MessageFactory(seed: 3)
        return (0..<Int64(600)).map { factory.message(partition: Int32($0 % 3), offset: $0 / 3, timestamp: 10_000 + $0) }
    }()

    @Test("Sediment's JSON lines go in and come out the same, binary values included")
    func jsonlRoundTrip() throws {
        let summary = try ingest(Self.jsonl(Self.messages)) { $0.format = .jsonl; $0.batchBytes = 4096 }
        #expect(summary.stored == 600 && summary.lines == 600 && summary.batches > 5)
        expectSame(try stored(), Self.messages)
        // What query prints ingests into a second archive unchanged.
        let again = try ingest(Self.jsonl(try stored())) { $0.format = .jsonl; $0.topic = "t" }
        #expect(again.alreadyStored == 600 && again.stored == 0)
    }

    @Test("kcat's -J lines, with raw non-UTF-8 bytes in a payload, keep every byte")
    func kcatEnvelope() throws {
        var input = Array(#"{"topic":"bench","partition":0,"offset":4,"tstype":"create","ts":1795608971938,"broker":1,"headers":["h1","a","h2","b"],"key":"k1","payload":"v1"}"#.utf8) + [0x0A]
        input += Array(#"{"topic":"bench","partition":1,"offset":3,"tstype":"create","ts":1795608974638,"broker":1,"key":null,"payload":"bin"#.utf8)
        input += [0xFF, 0xFE] + Array(#"\u0001end"}"#.utf8) + [0x0A]
        let summary = try ingest(input) { $0.format = .kcatJSON }
        #expect(summary.stored == 2)
        let messages = try stored(topic: "bench")
        #expect(messages.count == 2)
        #expect(messages[0].headers == [Header(name: "h1", value: Array("a".utf8)), Header(name: "h2", value: Array("b".utf8))])
        #expect(messages[0].key == Array("k1".utf8) && messages[0].offset == 4 && messages[0].timestamp == 1795608971938)
        #expect(messages[1].key == nil && messages[1].partition == 1)
        #expect(messages[1].value == Array("bin".utf8) + [0xFF, 0xFE, 0x01] + Array("end".utf8))
    }

    @Test("a malformed line stops ingest with file, line and reason, and stores nothing of its batch")
    func malformedLine() throws {
        var input = Self.jsonl(Array(Self.messages.prefix(10)))
        input += Array(#"{"partition":0,"offset":"seven","ts":1}"#.utf8) + [0x0A]
        input += Self.jsonl(Array(Self.messages[10..<20]))
        #expect {
            _ = try ingest(input) { $0.format = .jsonl }
        } throws: { error in
            let error = error as? SedimentError
            return error?.code == .invalidInput && error!.message.hasPrefix("input.jsonl:11:") && error!.message.contains("offset")
        }
        #expect(try stored().isEmpty)
        #expect(try Archive.open(at: directory.file("archive")).positions().isEmpty)
    }

    @Test("--skip-invalid skips and counts malformed lines and stores the rest")
    func skipInvalid() throws {
        var input = Self.jsonl(Array(Self.messages.prefix(10)))
        input += Array("not json at all\n{\"offset\":1}\n".utf8)
        input += Self.jsonl(Array(Self.messages[10..<20]))
        let summary = try ingest(input) { $0.format = .jsonl; $0.skipInvalid = true }
        #expect(summary.invalidSkipped == 2 && summary.stored == 20)
        expectSame(try stored(), Array(Self.messages.prefix(20)).sorted { ($0.timestamp, $0.partition) < ($1.timestamp, $1.partition) })
    }

    @Test("plain lines become values of partition 0; with --first-offset re-feeding stores nothing twice")
    func plainLines() throws {
        let input = Array("alpha\n\nγάμμα\n".utf8) + [0xFF, 0x00, 0x0A] + Array("last line without newline".utf8)
        let first = try ingest(input) { $0.format = .lines; $0.topic = "t"; $0.firstOffset = 0 }
        #expect(first.stored == 5)
        let again = try ingest(input) { $0.format = .lines; $0.topic = "t"; $0.firstOffset = 0 }
        #expect(again.stored == 0 && again.alreadyStored == 5)
        let messages = try stored()
        #expect(messages.map(\.value) == [Array("alpha".utf8), [], Array("γάμμα".utf8), [0xFF, 0x00], Array("last line without newline".utf8)])
        #expect(messages.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(messages.allSatisfy { $0.timestamp == 42_000 && $0.timestampType == .logAppendTime && $0.key == nil })
        // Without --first-offset, lines append after the stored position.
        let appended = try ingest(Array("more\n".utf8)) { $0.format = .lines; $0.topic = "t" }
        #expect(appended.stored == 1)
        #expect(try stored().last?.offset == 5)
    }

    @Test("a line for another topic than --topic is refused")
    func topicMismatch() throws {
        #expect(throws: SedimentError.self) {
            _ = try ingest(Self.jsonl(Array(Self.messages.prefix(3)), topic: "other")) { $0.format = .jsonl; $0.topic = "t" }
        }
        #expect(try stored().isEmpty)
    }

    @Test("names that could escape the archive directory are refused and nothing is created", arguments: ["..", ".", "a/b", "../../etc", "nul\u{0}byte", "tab\there", ""])
    func unsafeNames(name: String) throws {
        let writer = try ArchiveWriter(at: directory.file("names"))
        #expect(throws: SedimentError.self) { _ = try writer.makeBatch(instance: "local", topic: name) }
        #expect(throws: SedimentError.self) { _ = try writer.makeBatch(instance: name, topic: "t") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("names")).sorted().allSatisfy { $0.hasPrefix("sediment.") })
    }
}

extension IngestorTests {
    @Test("a malformed line after several batches keeps the batches before it, whole, and nothing after")
    func malformedLineAfterBatches() throws {
        let ordered = Self.messages.sorted { ($0.timestamp, $0.partition) < ($1.timestamp, $1.partition) }
        var input = Self.jsonl(Array(ordered.prefix(400)))
        input += Array("{\"broken\n".utf8)
        input += Self.jsonl(Array(ordered[400...]))
        #expect(throws: SedimentError.self) {
            _ = try ingest(input) { $0.format = .jsonl; $0.batchBytes = 4096 }
        }
        let kept = try stored()
        #expect(kept.count > 0 && kept.count < 400)
        expectSame(kept, Array(ordered.prefix(kept.count)))
    }
}
