/// Messages of one topic on their way into the store, already framed as segment bytes.
///
/// A batch is built against the positions the writer had when it made the batch: a
/// message at or below a partition's stored position, or at or below an offset the
/// batch already holds, is skipped, so feeding the same input twice stores it once.
public struct RecordBatch: Sendable {
    public let instance: String
    public let topic: String
    let blockBytes: Int
    let buffers: BufferPool?
    /// One entry per partition, in order of first appearance.
    private(set) var partitions: [PartitionBatch] = []
    private var partitionSlots: [Int32: Int] = [:]
    /// The slot of the partition appended to last: consecutive messages of one partition
    /// are the common case and skip the dictionary.
    private var lastSlot = -1
    let storedPositions: [Int32: Int64]
    /// Messages dropped because they were already stored or already in the batch.
    public private(set) var skipped = 0
    public private(set) var count = 0
    public private(set) var byteCount = 0

    init(instance: String, topic: String, storedPositions: [Int32: Int64], blockBytes: Int, buffers: BufferPool? = nil) {
        self.instance = instance
        self.topic = topic
        self.storedPositions = storedPositions
        self.blockBytes = blockBytes
        self.buffers = buffers
    }

    public var isEmpty: Bool { count == 0 }

    /// The offset the next message of `partition` gets when offsets are assigned here.
    public func nextOffset(partition: Int32) -> Int64 {
        knownNextOffset(partition: partition) ?? 0
    }

    /// As `nextOffset`, nil for a partition neither this batch nor the store holds anything of.
    public func knownNextOffset(partition: Int32) -> Int64? {
        if let slot = partitionSlots[partition] { return partitions[slot].nextOffset }
        return storedPositions[partition]
    }

    /// The next offset of every partition this batch or the store holds: the positions
    /// a batch built after this one, before this one is committed, must start from.
    public var positionsAfter: [Int32: Int64] {
        var positions = storedPositions
        for batch in partitions { positions[batch.partition] = batch.nextOffset }
        return positions
    }

    /// Adds a message; returns false when it was skipped as already stored.
    @discardableResult
    public mutating func append(_ message: Message) -> Bool {
        let slot = slot(for: message.partition)
        guard message.offset >= partitions[slot].nextOffset else {
            skipped += 1
            return false
        }
        let size = partitions[slot].append(offset: message.offset, timestamp: message.timestamp) { buffer in
            RecordFormat.appendUnsealed(message, to: &buffer)
        }
        count += 1
        byteCount += size
        return true
    }

    /// Adds a message from borrowed bytes, without building a `Message` first.
    @discardableResult
    public mutating func append(
        partition: Int32, offset: Int64, timestamp: Int64, timestampType: TimestampType,
        key: UnsafeRawBufferPointer?, headers: [Header] = [], value: UnsafeRawBufferPointer?
    ) -> Bool {
        let slot = slot(for: partition)
        guard offset >= partitions[slot].nextOffset else {
            skipped += 1
            return false
        }
        let size = partitions[slot].append(offset: offset, timestamp: timestamp) { buffer in
            RecordFormat.appendUnsealed(
                offset: offset, timestamp: timestamp, timestampType: timestampType,
                key: key, headers: headers, value: value, to: &buffer)
        }
        count += 1
        byteCount += size
        return true
    }

    /// Fills in the CRC of every record. The writer does it just before writing, on its own
    /// thread, which keeps the checksum off the thread that reads and frames the input.
    mutating func seal() {
        for slot in partitions.indices { partitions[slot].seal() }
    }

    /// Moves the byte buffers out, for reuse once they are written.
    mutating func takeBuffers() -> [[UInt8]] {
        partitions.indices.map { slot in
            defer { partitions[slot].bytes = [] }
            return partitions[slot].bytes
        }
    }

    private mutating func slot(for partition: Int32) -> Int {
        if lastSlot >= 0 && partitions[lastSlot].partition == partition { return lastSlot }
        if let slot = partitionSlots[partition] {
            lastSlot = slot
            return slot
        }
        var batch = PartitionBatch(partition: partition, blockBytes: blockBytes, nextOffset: max(0, storedPositions[partition] ?? 0))
        if let buffers { batch.bytes = buffers.take() }
        partitions.append(batch)
        lastSlot = partitions.count - 1
        partitionSlots[partition] = lastSlot
        return lastSlot
    }
}

/// The framed bytes of one partition within a batch, cut into index blocks.
struct PartitionBatch: Sendable {
    struct Block: Sendable, Equatable {
        var start: Int
        var length: Int
        var firstOffset: Int64
        var lastOffset: Int64
        var minTimestamp: Int64
        var maxTimestamp: Int64
        var count: Int
        var sealed = false
    }

    let partition: Int32
    let blockBytes: Int
    var bytes: [UInt8] = []
    var blocks: [Block] = []
    /// The lowest offset this batch may still take: past the stored position and past
    /// every offset already in the batch.
    var nextOffset: Int64

    init(partition: Int32, blockBytes: Int, nextOffset: Int64) {
        self.partition = partition
        self.blockBytes = blockBytes
        self.nextOffset = nextOffset
    }

    /// Seals the blocks the framing thread left unsealed.
    mutating func seal() {
        let blocks = self.blocks
        bytes.withUnsafeMutableBytes { raw in
            for block in blocks where !block.sealed {
                RecordFormat.seal(UnsafeMutableRawBufferPointer(rebasing: raw[block.start..<block.start + block.length]))
            }
        }
        for index in self.blocks.indices { self.blocks[index].sealed = true }
    }

    /// Seals every other block as soon as it is full, on the thread that frames them: the
    /// checksums are the larger part of the append thread's work, and splitting them
    /// between the two threads keeps both cores busy. The bytes are the same either way.
    private mutating func sealEveryOtherBlock(_ index: Int) {
        guard index % 2 == 0 else { return }
        let block = blocks[index]
        bytes.withUnsafeMutableBytes { raw in
            RecordFormat.seal(UnsafeMutableRawBufferPointer(rebasing: raw[block.start..<block.start + block.length]))
        }
        blocks[index].sealed = true
    }

    mutating func append(offset: Int64, timestamp: Int64, frame: (inout [UInt8]) -> Int) -> Int {
        let start = bytes.count
        let size = frame(&bytes)
        let last = blocks.count - 1
        if last >= 0 && blocks[last].length < blockBytes {
            blocks[last].length += size
            blocks[last].lastOffset = offset
            blocks[last].minTimestamp = min(blocks[last].minTimestamp, timestamp)
            blocks[last].maxTimestamp = max(blocks[last].maxTimestamp, timestamp)
            blocks[last].count += 1
        } else {
            if last >= 0 { sealEveryOtherBlock(last) }
            blocks.append(Block(
                start: start, length: size, firstOffset: offset, lastOffset: offset,
                minTimestamp: timestamp, maxTimestamp: timestamp, count: 1))
        }
        nextOffset = offset + 1
        return size
    }
}

/// A summary that counts what was handed to the writer: `ingest`'s and `dump`'s.
protocol AppendCounting {
    var stored: Int { get set }
    var alreadyStored: Int { get set }
    var batches: Int { get set }
    var bytes: Int { get set }
}

extension AppendCounting {
    /// Counts one append of `batches`.
    mutating func count(_ batches: [RecordBatch]) {
        self.batches += 1
        for batch in batches {
            stored += batch.count
            alreadyStored += batch.skipped
            bytes += batch.byteCount
        }
    }
}
