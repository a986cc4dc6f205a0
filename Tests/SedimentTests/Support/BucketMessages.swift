import Foundation
import SedimentObjectStore
import Testing
@testable import Sediment

/// The messages a bucket holds, read back from its `jsonl.gz` window objects with zcat
/// and a strict JSON decoder: what a user restoring from the bucket would get.
enum BucketMessages {
    /// Every message in the window objects under a `file://` bucket's directory.
    static func inDirectory(_ directory: String) throws -> [OutputLine] {
        let paths = (FileManager.default.enumerator(atPath: directory)?.allObjects ?? [])
            .compactMap { $0 as? String }
            .filter { $0.hasSuffix(".jsonl.gz") && !$0.hasPrefix(".sediment-") }
            .sorted()
            .map { directory + "/" + $0 }
        return try paths.flatMap { try OutputLine.decodeStrict(CompactionFixture.run("zcat", [$0])) }
    }

    /// Every message in the window objects of an S3 bucket, downloaded into `scratch`.
    static func inStore(_ store: any ObjectStore, scratch: TemporaryDirectory) async throws -> [OutputLine] {
        var lines: [OutputLine] = []
        for object in try await store.listObjects(prefix: "") where object.key.hasSuffix(".jsonl.gz") {
            let path = scratch.file("object-\(UUID().uuidString).gz")
            _ = try await store.downloadObject(key: object.key, range: nil, to: path)
            lines += try OutputLine.decodeStrict(CompactionFixture.run("zcat", [path]))
            try FileManager.default.removeItem(atPath: path)
        }
        return lines
    }

    /// The lines are exactly `expected` (partition → offsets), each once.
    static func expect(
        _ lines: [OutputLine], holdEvery expected: [Int32: Range<Int64>], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let total = expected.values.reduce(0) { $0 + $1.count }
        let held = Set(lines.map { "\($0.partition)/\($0.offset)" })
        #expect(lines.count == total, "\(lines.count) messages in the bucket, \(total) expected", sourceLocation: sourceLocation)
        #expect(held.count == lines.count, "no message twice", sourceLocation: sourceLocation)
        let missing = expected.flatMap { partition, offsets in offsets.map { "\(partition)/\($0)" } }.filter { !held.contains($0) }
        #expect(missing.isEmpty, "missing from the bucket: \(missing.prefix(10)) (\(missing.count) in all)", sourceLocation: sourceLocation)
    }
}

extension OutputLine {
    /// A produced message as a window's JSON line gives it back.
    init(topic: String, _ message: Message) {
        self.init(
            topic: topic, partition: Int(message.partition), offset: Int(message.offset), timestamp: message.timestamp,
            key: message.key, headers: message.headers.flatMap { [Array($0.name.utf8), $0.value] }, payload: message.value)
    }

    /// The line says what `message` is: timestamp, key, headers and value, byte for byte,
    /// wherever the line was read from.
    func holds(_ message: Message) -> Bool {
        var line = OutputLine(topic: topic, message)
        (line.partition, line.offset) = (partition, offset)
        return self == line
    }

    static func byOffset(_ a: OutputLine, _ b: OutputLine) -> Bool {
        (a.partition, a.offset) < (b.partition, b.offset)
    }
}
