/// Gathers messages into batches, one per topic, and appends them on the append thread,
/// counting what it hands over: how `ingest` and `dump` fill an archive.
///
/// Reading and framing the next batches overlaps writing the earlier ones. The writer
/// belongs to the append thread between `flush` and `finish`; the positions of durable
/// messages come back through `takeDurablePositions`.
struct BatchAppender<Summary: AppendCounting> {
    private var pending: PendingBatches
    private let pipeline: AppendPipeline
    /// Counts every batch handed over; the caller may count more in it (ingest's lines).
    var summary: Summary
    /// When the first message since the last flush was added (`dump --linger`).
    private(set) var oldestHeld: ContinuousClock.Instant?
    /// `oldestHeld != nil`, as a plain flag: the check runs once a message, and comparing
    /// the optional went through the Instant's value witnesses (seen in perf profiles of
    /// ingest).
    private(set) var holdsMessages = false

    /// Must be made while no append is running: it reads the writer's positions.
    init(writer: ArchiveWriter, instance: String, summary: Summary) {
        pending = PendingBatches(writer: writer, instance: instance)
        pipeline = AppendPipeline(writer: writer)
        self.summary = summary
    }

    /// Bytes of records held, not yet flushed.
    var byteCount: Int { pending.byteCount }

    /// The offset after the last message of `partition` held or appended.
    func nextOffset(topic: String, partition: Int32) -> Int64 {
        pending.nextOffset(topic: topic, partition: partition)
    }

    /// nil for a partition nothing was stored or held of yet.
    func knownNextOffset(topic: String, partition: Int32) -> Int64? {
        pending.knownNextOffset(topic: topic, partition: partition)
    }

    @inline(__always)
    mutating func withBatch(for topic: String, _ body: (inout RecordBatch) -> Void) throws {
        try pending.withBatch(for: topic, body)
        if !holdsMessages {
            holdsMessages = true
            oldestHeld = .now
        }
    }

    /// Hands what is held to the append thread once the append before it is done, and
    /// returns the next offsets it ends at; throws an earlier append's error.
    @discardableResult
    mutating func flush() throws -> [PartitionKey: Int64] {
        oldestHeld = nil
        holdsMessages = false
        let batches = pending.take()
        guard !batches.isEmpty else { return [:] }
        var counted = summary
        counted.count(batches)
        // The last use of `batches`: the pipeline gets the only reference and seals in place.
        let positions = try pipeline.submit(batches)
        summary = counted
        return positions
    }

    /// Waits for every append handed over; throws the first error. The writer is then free
    /// to read on this thread until the next flush.
    func finish() throws {
        try pipeline.finish()
    }

    /// The next offset of every partition whose messages became durable since the last call.
    func takeDurablePositions() -> [PartitionKey: Int64] {
        pipeline.takeDurablePositions()
    }
}
