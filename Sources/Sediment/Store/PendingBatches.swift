/// The batches being filled, one per topic, and the positions they start from.
///
/// Positions are tracked here rather than read from the writer, because the writer may be
/// busy appending the previous batches on another thread while these fill.
struct PendingBatches {
    let writer: ArchiveWriter
    let instance: String
    private var batches: [RecordBatch] = []
    private var slots: [String: Int] = [:]
    private var lastSlot = -1
    /// Per topic, the next offset of every partition once everything taken so far is stored.
    private var positions: [String: [Int32: Int64]] = [:]
    private(set) var byteCount = 0

    /// Must be made while no append is running: it reads the writer's positions.
    init(writer: ArchiveWriter, instance: String) {
        self.writer = writer
        self.instance = instance
        for (key, next) in writer.positions where key.instance == instance {
            positions[key.topic, default: [:]][key.partition] = next
        }
    }

    mutating func withBatch(for topic: String, _ body: (inout RecordBatch) -> Void) throws {
        let slot = try slot(for: topic)
        let before = batches[slot].byteCount
        body(&batches[slot])
        byteCount += batches[slot].byteCount - before
    }

    func nextOffset(topic: String, partition: Int32) -> Int64 {
        knownNextOffset(topic: topic, partition: partition) ?? 0
    }

    /// nil for a partition nothing was stored or held of yet.
    func knownNextOffset(topic: String, partition: Int32) -> Int64? {
        if let slot = slots[topic] { return batches[slot].knownNextOffset(partition: partition) }
        return positions[topic]?[partition]
    }

    /// Hands over the filled batches and starts empty ones where they end.
    mutating func take() -> [RecordBatch] {
        let taken = batches.filter { !$0.isEmpty || $0.skipped > 0 }
        for batch in batches { positions[batch.topic] = batch.positionsAfter }
        batches.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        lastSlot = -1
        byteCount = 0
        return taken
    }

    private mutating func slot(for topic: String) throws -> Int {
        if lastSlot >= 0 && batches[lastSlot].topic == topic { return lastSlot }
        if let slot = slots[topic] {
            lastSlot = slot
            return slot
        }
        batches.append(try writer.makeBatch(instance: instance, topic: topic, positions: positions[topic] ?? [:]))
        lastSlot = batches.count - 1
        slots[topic] = lastSlot
        return lastSlot
    }
}
