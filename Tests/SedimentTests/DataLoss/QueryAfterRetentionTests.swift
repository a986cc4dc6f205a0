import Foundation
import GRDB
import Testing
@testable import Sediment

/// A query returns every message the archive holds locally after local retention
/// deleted window files, and a range part of which only the bucket holds is an error
/// that names the windows and where they went, never a shorter answer.
@Suite("Queries after local retention")
struct QueryAfterRetentionTests {
    let scratch = TemporaryDirectory(label: "query-after-retention")

    /// `count` messages over `partitions`, spread evenly over 100 minutes from `windowBase`.
    static func messages(count: Int, partitions: Int) -> [Message] {
        var factory = MessageFactory(seed: 5)
        return (0..<count).map { i in
            factory.message(
                partition: Int32(i % partitions), offset: Int64(i / partitions),
                timestamp: windowBase + Int64(i) * minutes(100) / Int64(count))
        }
    }

    @Test("compact --keep-segments --local-retention 1d --target, twice: query --count still sees every message", arguments: [(6000, 2), (9000, 3)])
    func segmentsServeDeletedWindows(count: Int, partitions: Int) throws {
        let fixture = CompactionFixture(label: "query-after-retention")
        let messages = Self.messages(count: count, partitions: partitions)
        try fixture.append(messages)
        let compact = ["compact", "--archive", fixture.path, "--granularity", "5m", "--keep-segments", "--local-retention", "1d",
                       "--target", "file://" + scratch.file("bucket-\(count)")]
        for _ in 0..<2 { _ = try CLIProcess.succeed(compact, scratch: scratch) }
        #expect(fixture.visibleWindowFiles().isEmpty, "every window is past retention and confirmed")
        let counted = try CLIProcess.succeed(
            ["query", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--count"], scratch: scratch)
        #expect(String(decoding: counted, as: UTF8.self) == "\(count)\n")
        expectSame(try fixture.query(), byTime(messages))
        let middle = (windowBase + minutes(12))..<(windowBase + minutes(47))
        expectSame(try fixture.query(middle, partitions: [1]), byTime(messages).filter { middle.contains($0.timestamp) && $0.partition == 1 })
    }

    @Test("a window deleted locally whose segments are gone too: a query reading only the archive fails, naming the windows and their target; ranges held locally still answer")
    func remoteOnlyRangeIsAnError() throws {
        let (fixture, messages, _) = try RetentionTests.filled("query-remote-only")
        let bucket = "file://" + scratch.file("bucket")
        let compact = ["compact", "--archive", fixture.path, "--granularity", "5m", "--local-retention", "1d", "--target", bucket]
        for _ in 0..<2 { _ = try CLIProcess.succeed(compact, scratch: scratch) }
        #expect(fixture.visibleWindowFiles().isEmpty)

        let query = ["query", "--archive", fixture.path, "--topic", "orders", "--from", "0"]
        // Reading the bucket (the default since queries read every tier), nothing is missing.
        let fromBucket = try CLIProcess.succeed(query + ["--count"], scratch: scratch)
        #expect(String(decoding: fromBucket, as: UTF8.self) == "\(messages.count)\n")
        let failed = try CLIProcess.run(query + ["--local-only"], scratch: scratch)
        #expect(!failed.signaled && failed.status == ExitStatus.data && failed.stdout.isEmpty, "\(failed.summary)")
        #expect(failed.stderr.contains("is no longer held locally"), "\(failed.stderr)")
        #expect(failed.stderr.contains("windows/local/orders/2023-11-14/1699999200.jsonl.gz (uploaded to \(bucket) as local/orders/2023-11-14/1699999200.jsonl.gz)"), "\(failed.stderr)")
        let error = #expect(throws: SedimentError.self) { try fixture.query() }
        #expect(error?.code == .notHeldLocally)
        // Reading by offset from segments refuses the deleted ones too.
        let byOffset = #expect(throws: SedimentError.self) {
            try Archive.open(at: fixture.path).messages(of: PartitionKey(instance: "local", topic: "orders", partition: 0), offsets: 0...Int64.max).all()
        }
        #expect(byOffset?.code == .notHeldLocally && byOffset?.message.contains("retention deleted the segments holding 0...") == true)
        // An archive whose segments went before deletions were recorded (schema 0005): the
        // offsets missing below each partition's first block still tell.
        try Archive.openForUpdate(at: fixture.path).index.write { db in try db.execute(sql: "DELETE FROM deleted_segments") }
        #expect(throws: SedimentError.self) { try fixture.query() }

        // What the partitions' last segments hold is still there, and answers alone.
        let tail = try Archive.open(at: fixture.path).statistics().map { ($0.partition, $0.firstOffset!...$0.lastOffset!) }
        let held = messages.filter { message in tail.contains { $0.0 == message.partition && $0.1.contains(message.offset) } }
        let from = held.map(\.timestamp).max()! - minutes(1)
        let late = byTime(messages).filter { $0.timestamp >= from }
        #expect(late.allSatisfy { message in held.contains { $0.partition == message.partition && $0.offset == message.offset } })
        expectSame(try fixture.query(from..<Int64.max), late)
    }
}
