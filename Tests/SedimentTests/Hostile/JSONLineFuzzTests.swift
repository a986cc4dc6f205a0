import Foundation
import Logging
import PropertyBased
import Testing

@testable import Sediment

/// `ingest --format jsonl` and `--format kcat-json` lines: Sediment's own JSON envelope and
/// kcat's, which puts bytes that are not UTF-8 raw inside strings.
@Suite("Fuzz: jsonl and kcat-json lines")
struct JSONLineFuzzTests {
    static let seeds: [[UInt8]] = [
        Array(#"{"topic":"bench","partition":0,"offset":4,"tstype":"create","ts":1795608971938,"broker":1,"headers":["h1","a","h2","b"],"key":"k1","payload":"v1"}"#.utf8),
        Array(#"{"topic":"bench","partition":1,"offset":3,"tstype":"create","ts":1795608974638,"broker":1,"key":null,"payload":"bin"#.utf8)
            + [0xFF, 0xFE] + Array(#"\u0001end"}"#.utf8),
        Array(#"{"topic":"t","partition":2,"offset":9223372036854775807,"tstype":"logappend","ts":-1,"key":{"base64":"/+7d"},"headers":[["n",null]],"payload":null}"#.utf8),
        Array(#"{"offset":0,"ts":0,"extra":{"a":[1,2.5e3,true,false,null,"\ud83d\ude00"]},"payload":"\"\\\/\b\f\n\r\t"}"#.utf8),
    ] + (0..<4).map { index in
        var line: [UInt8] = []
        var rng = Xoshiro(seed: (UInt64(index) + 1, 2, 3, 4))
        JSONLineEncoder.append(FuzzInput.message.run(using: &rng), topic: "orders", to: &line)
        return Array(line.dropLast())
    }

    static let tokens = [#"""#, "\\", "\\u", "\\ud800", "\\udc00", "{", "}", "[", "]", ":", ",", "null", "true", "1e5", "-0", "base64", #""offset":"#, #""ts":"#, #""headers":"#, #""key":"#, #""payload":"#, #""topic":"#, #""partition":"#, #""tstype":"#, "\r"].map { Array($0.utf8) }

    @Test("a line either decodes or is refused with a reason and a column inside the line")
    func lines() async {
        await Fuzz.run("jsonl/kcat-json line", count: 8000, input: FuzzInput.bytes(seeds: Self.seeds, tokens: Self.tokens, maxLength: 600)) { line in
            do {
                _ = try line.withUnsafeBytes { try JSONLineDecoder.decode($0) }
                return .accepted
            } catch let error as JSONLineError {
                try Fuzz.require(!error.reason.isEmpty, "no reason")
                try Fuzz.require((1...max(1, line.count + 1)).contains(error.column), "column \(error.column) of a line of \(line.count) bytes: \(error.reason)")
                return .rejected
            }
        }
    }

    @Test("every message, binary keys, values and headers included, comes back from its JSON line unchanged")
    func roundTrip() async {
        await Fuzz.run("jsonl round trip", count: 4000, input: FuzzInput.message) { message in
            var line: [UInt8] = []
            JSONLineEncoder.append(message, topic: "orders", to: &line)
            try Fuzz.require(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A }, "not one line")
            let decoded = try line.dropLast().withUnsafeBytes { try JSONLineDecoder.decode($0) }
            try Fuzz.require(decoded == DecodedLine(topic: "orders", message: message), "came back as \(decoded.message)")
            return .accepted
        }
    }

    @Test("ingest skips what it cannot read and stores the rest, counting every line; without skipping, the error names input, line and column")
    func ingest() async throws {
        let directory = TemporaryDirectory(label: "fuzz-ingest")
        var rng = Xoshiro(seed: (Fuzz.stableHash("ingest"), 1, 2, 3))
        let generator = FuzzInput.bytes(seeds: Self.seeds, tokens: Self.tokens, maxLength: 600)
        let lines = (0..<400).map { _ in generator.run(using: &rng).filter { $0 != 0x0A } }
        let path = directory.file("input.jsonl")
        FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: [0x0A])))
        // What ingest stores: lines that decode, with a topic it takes, at a Kafka position.
        let readable = lines.filter { line in
            guard let decoded = try? line.withUnsafeBytes({ try JSONLineDecoder.decode($0) }), let topic = decoded.topic,
                (try? ArchiveName.validate(topic, as: "topic")) != nil
            else { return false }
            return decoded.message.partition >= 0 && (0..<Int64.max).contains(decoded.message.offset)
        }

        func run(skipInvalid: Bool) throws -> Ingestor.Summary {
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            var options = Ingestor.Options()
            options.format = .kcatJSON
            options.skipInvalid = skipInvalid
            let writer = try ArchiveWriter(at: directory.file(skipInvalid ? "skipping" : "strict"))
            return try Ingestor(writer: writer, options: options, logger: Logger(label: "fuzz")).run(descriptor: descriptor, name: "input.jsonl")
        }
        let error = try #require(throws: SedimentError.self) { try run(skipInvalid: false) }
        #expect(error.code == .invalidInput && error.message.hasPrefix("input.jsonl:") && error.context["line"] != nil && error.context["column"] != nil)

        let summary = try run(skipInvalid: true)
        #expect(summary.lines == lines.count)
        #expect(summary.stored + summary.alreadyStored == readable.count)
        #expect(summary.invalidSkipped + readable.count + lines.filter { $0.allSatisfy { [0x20, 0x09, 0x0D].contains($0) } }.count == lines.count)
        print("fuzz: ingest: \(lines.count) inputs tried (\(readable.count) accepted, \(summary.invalidSkipped) rejected), seed \(Fuzz.stableHash("ingest"))")
    }

    @Test("found by fuzzing: offsets Kafka cannot have (the last Int64, negative) and --first-offset past them are refused with the line, not a trap")
    func regressions() throws {
        let directory = TemporaryDirectory(label: "fuzz-regressions")
        func ingest(_ text: String, _ configure: (inout Ingestor.Options) -> Void) throws -> Ingestor.Summary {
            let path = directory.file("input-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            var options = Ingestor.Options()
            configure(&options)
            return try Ingestor(writer: try ArchiveWriter(at: directory.file("archive")), options: options, logger: Logger(label: "fuzz"))
                .run(descriptor: descriptor, name: "input.jsonl")
        }
        for offset in ["9223372036854775807", "-1"] {
            let line = #"{"topic":"t","offset":"# + offset + #","ts":1,"payload":"v"}"#
            let error = try #require(throws: SedimentError.self) { try ingest(#"{"topic":"t","offset":0,"ts":1,"payload":"v"}"# + "\n" + line + "\n") { _ in } }
            #expect(error.message.hasPrefix("input.jsonl:2:1: partition 0 offset \(offset) is not a Kafka position"), "\(error)")
            #expect(try ingest(line + "\n") { $0.skipInvalid = true }.invalidSkipped == 1)
        }
        let error = try #require(throws: SedimentError.self) {
            try ingest("a\nb\n") { $0.format = .lines; $0.topic = "l"; $0.firstOffset = Int64.max - 1 }
        }
        #expect(error.message.hasPrefix("input.jsonl:2: the line's offset would pass the largest Kafka offset"), "\(error)")
    }

}
