/// Streams the messages of one partition with offsets in a closed range, in offset order,
/// one block in memory at a time.
public final class OffsetRangeCursor {
    public let key: PartitionKey
    public let offsets: ClosedRange<Int64>
    private let reader: SegmentReader
    private let lease: ReaderLease
    private var blocks: [BlockRow]
    private var blockIndex = 0
    private var current: [Message] = []
    private var position = 0

    init(archive: Archive, key: PartitionKey, offsets: ClosedRange<Int64>) throws {
        self.key = key
        self.offsets = offsets
        self.lease = ReaderLease(layout: archive.layout)
        self.reader = SegmentReader(layout: archive.layout, instance: key.instance, topic: key.topic)
        self.blocks = try archive.index.blocks(of: key, offsets: offsets)
    }

    public func next() throws -> Message? {
        while true {
            while position < current.count {
                let message = current[position]
                position += 1
                if offsets.contains(message.offset) { return message }
                if message.offset > offsets.upperBound { return nil }
            }
            guard blockIndex < blocks.count else { return nil }
            current = try reader.messages(of: blocks[blockIndex])
            blockIndex += 1
            position = 0
        }
    }
}
