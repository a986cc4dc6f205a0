import Testing
@testable import Sediment

/// The batching both `dump` and `ingest` append through, on a temporary archive.
@Suite("Batch appender")
struct BatchAppenderTests {
    let fixture = CompactionFixture(label: "batch-appender")

    static func messages(partition: Int32, offsets: Range<Int64>, seed: UInt64) -> [Message] {
        var factory = MessageFactory(seed: seed)
        return offsets.map { factory.message(partition: partition, offset: $0, timestamp: 1_700_000_000_000 + $0) }
    }

    func add(_ messages: [Message], topic: String = "orders", to appender: inout BatchAppender<DumpSummary>) throws {
        for message in messages {
            try appender.withBatch(for: topic) { $0.append(message) }
        }
    }

    @Test("appends what it holds on flush, reports the positions handed over, then the durable ones once, and counts every batch")
    func appendsCountsAndReportsDurability() throws {
        let writer = try ArchiveWriter(at: fixture.path)
        var appender = BatchAppender(writer: writer, instance: "local", summary: DumpSummary())
        let first = Self.messages(partition: 0, offsets: 0..<30, seed: 1) + Self.messages(partition: 1, offsets: 0..<10, seed: 2)
        try add(first, to: &appender)
        #expect(appender.holdsMessages && appender.byteCount > 0)
        #expect(appender.nextOffset(topic: "orders", partition: 0) == 30)
        #expect(appender.nextOffset(topic: "orders", partition: 7) == 0)
        let p0 = PartitionKey(instance: "local", topic: "orders", partition: 0)
        let p1 = PartitionKey(instance: "local", topic: "orders", partition: 1)
        #expect(try appender.flush() == [p0: 30, p1: 10])
        #expect(!appender.holdsMessages && appender.byteCount == 0)

        // Filled while the first batch may still be appending: offsets continue from it.
        #expect(appender.nextOffset(topic: "orders", partition: 0) == 30)
        try add(Self.messages(partition: 0, offsets: 30..<45, seed: 3), to: &appender)
        #expect(try appender.flush() == [p0: 45])
        // Nothing held: nothing handed over, nothing counted.
        #expect(try appender.flush() == [:])

        try appender.finish()
        #expect(appender.takeDurablePositions() == [p0: 45, p1: 10])
        #expect(appender.takeDurablePositions() == [:])
        #expect(appender.summary.batches == 2 && appender.summary.stored == 55 && appender.summary.alreadyStored == 0)
        #expect(writer.positions == [p0: 45, p1: 10])
        #expect(try fixture.query().count == 55)
    }

    @Test("messages the archive already holds are skipped and counted, and their positions still reported durable")
    func skipsWhatIsStored() throws {
        let messages = Self.messages(partition: 0, offsets: 0..<20, seed: 4)
        try fixture.append(Array(messages.prefix(12)))
        let writer = try ArchiveWriter(at: fixture.path)
        var appender = BatchAppender(writer: writer, instance: "local", summary: DumpSummary())
        #expect(appender.nextOffset(topic: "orders", partition: 0) == 12)
        try add(messages, to: &appender)
        try appender.flush()
        try appender.finish()
        let p0 = PartitionKey(instance: "local", topic: "orders", partition: 0)
        #expect(appender.takeDurablePositions() == [p0: 20])
        #expect(appender.summary.stored == 8 && appender.summary.alreadyStored == 12 && appender.summary.batches == 1)
        expectSame(try fixture.query(), messages)

        // Only already-stored messages: still a batch, so that a consumer group hears the position.
        try add(Array(messages.prefix(5)), to: &appender)
        #expect(appender.holdsMessages)
        #expect(try appender.flush() == [p0: 20])
        try appender.finish()
        #expect(appender.takeDurablePositions() == [p0: 20])
        #expect(appender.summary.alreadyStored == 17 && appender.summary.stored == 8)
    }
}
