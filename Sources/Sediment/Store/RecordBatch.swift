/// Messages of one topic on their way into the store, already framed as segment bytes.
///
/// A batch is built against the positions the writer had when it made the batch: a
/// message at or below a partition's stored position, or at or below an offset the
/// batch already holds, is skipped, so feeding the same input twice stores it once.
public struct RecordBatch: Sendable {
    public let instance: String
    public let topic: String
    let blockBytes: Int
    var partitions: [Int32: PartitionBatch] = [:]
    var storedPositions: [Int32: Int64]
    /// Messages dropped because they were already stored or already in the batch.
    public private(set) var skipped = 0
    public private(set) var count = 0
    public private(set) var byteCount = 0

    init(instance: String, topic: String, storedPositions: [Int32: Int64], blockBytes: Int) {
        self.instance = instance
        self.topic = topic
        self.storedPositions = storedPositions
        self.blockBytes = blockBytes
    }

    public var isEmpty: Bool { count == 0 }

    /// The offset the next message of `partition` gets when offsets are assigned here.
    public func nextOffset(partition: Int32) -> Int64 {
        partitions[partition]?.nextOffset ?? storedPositions[partition] ?? 0
    }

    /// Adds a message; returns false when it was skipped as already stored.
    @discardableResult
    public mutating func append(_ message: Message) -> Bool {
        guard accepts(partition: message.partition, offset: message.offset) else { return false }
        let size = withPartition(message.partition, firstOffset: message.offset) { batch in
            batch.append(offset: message.offset, timestamp: message.timestamp) { buffer in
                RecordFormat.append(message, to: &buffer)
            }
        }
        record(size)
        return true
    }

    /// Adds a message from borrowed bytes, without building a `Message` first.
    @discardableResult
    public mutating func append(
        partition: Int32, offset: Int64, timestamp: Int64, timestampType: TimestampType,
        key: UnsafeRawBufferPointer?, headers: [Header] = [], value: UnsafeRawBufferPointer?
    ) -> Bool {
        guard accepts(partition: partition, offset: offset) else { return false }
        let size = withPartition(partition, firstOffset: offset) { batch in
            batch.append(offset: offset, timestamp: timestamp) { buffer in
                RecordFormat.append(
                    offset: offset, timestamp: timestamp, timestampType: timestampType,
                    key: key, headers: headers, value: value, to: &buffer)
            }
        }
        record(size)
        return true
    }

    private mutating func accepts(partition: Int32, offset: Int64) -> Bool {
        if offset < nextOffset(partition: partition) || offset < 0 {
            skipped += 1
            return false
        }
        return true
    }

    private mutating func record(_ size: Int) {
        count += 1
        byteCount += size
    }

    private mutating func withPartition<R>(_ partition: Int32, firstOffset: Int64, _ body: (inout PartitionBatch) -> R) -> R {
        if partitions[partition] == nil {
            partitions[partition] = PartitionBatch(blockBytes: blockBytes)
        }
        return body(&partitions[partition]!)
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
    }

    let blockBytes: Int
    var bytes: [UInt8] = []
    var blocks: [Block] = []
    var nextOffset: Int64 = 0

    init(blockBytes: Int) {
        self.blockBytes = blockBytes
    }

    mutating func append(offset: Int64, timestamp: Int64, frame: (inout [UInt8]) -> Int) -> Int {
        let start = bytes.count
        let size = frame(&bytes)
        if var block = blocks.last, block.length < blockBytes {
            block.length += size
            block.lastOffset = offset
            block.minTimestamp = min(block.minTimestamp, timestamp)
            block.maxTimestamp = max(block.maxTimestamp, timestamp)
            block.count += 1
            blocks[blocks.count - 1] = block
        } else {
            blocks.append(Block(
                start: start, length: size, firstOffset: offset, lastOffset: offset,
                minTimestamp: timestamp, maxTimestamp: timestamp, count: 1))
        }
        nextOffset = offset + 1
        return size
    }
}
