import Foundation
import GRDB
@testable import Sediment

/// Writes an archive as an earlier Sediment would have: the schema up to `schema` and the
/// rows that version wrote, by plain SQL, so that the migration tests start from what such
/// a version really left on disk rather than from today's writer.
enum EarlierArchive {
    static func write(_ messages: [Message], at path: String, schema: String, recordsPerBlock: Int) throws {
        let segments = path + "/segments/local/t/0"
        try FileManager.default.createDirectory(atPath: segments, withIntermediateDirectories: true)
        let pool = try Schema.open(path: path + "/sediment.sqlite", durable: true, upTo: schema)
        var bytes: [UInt8] = []
        var blocks: [BlockRow] = []
        for chunk in stride(from: 0, to: messages.count, by: recordsPerBlock) {
            let run = messages[chunk..<min(chunk + recordsPerBlock, messages.count)]
            let start = bytes.count
            for message in run { RecordFormat.append(message, to: &bytes) }
            blocks.append(BlockRow(
                partition: 0, minTimestamp: run.map(\.timestamp).min()!, maxTimestamp: run.map(\.timestamp).max()!,
                firstOffset: run.first!.offset, lastOffset: run.last!.offset, count: run.count, segmentBase: 0,
                position: Int64(start), length: bytes.count - start, ingestedAt: 1))
        }
        FileManager.default.createFile(atPath: segments + "/00000000000000000000.seg", contents: Data(bytes))
        try pool.write { db in
            try db.execute(sql: "INSERT INTO partitions (id, instance, topic, partition, next_offset) VALUES (1, 'local', 't', 0, ?)", arguments: [messages.count])
            try db.execute(sql: "INSERT INTO segments (partition_id, base_offset, size, created_at) VALUES (1, 0, ?, 1)", arguments: [bytes.count])
            for block in blocks { try block.insert(instance: "local", topic: "t", into: db) }
            if try db.tableExists("topics") {
                let span = blocks.map { $0.maxTimestamp - $0.minTimestamp }.max()!
                try db.execute(sql: "INSERT INTO topics (instance, topic, max_block_span) VALUES ('local', 't', ?)", arguments: [span])
            }
        }
        try pool.close()
    }
}
