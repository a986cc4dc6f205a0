/// Streams the messages of one partition with offsets in a closed range, in offset order,
/// one block in memory at a time, from segment files. A range that meets segments
/// retention deleted, or offsets only window files hold, is refused rather than answered
/// with less.
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
        let deleted = try archive.index.deletedSegments(of: key, meeting: offsets)
        if let first = deleted.first, let last = deleted.last {
            throw SedimentError(
                .notHeldLocally,
                "offsets \(offsets.lowerBound)...\(offsets.upperBound) of partition \(key.partition) of topic '\(key.topic)' are not all "
                    + "in segments: retention deleted the segments holding \(first.lowerBound)...\(last.upperBound) once window "
                    + "files held them; read those by time instead",
                context: ["topic": key.topic, "partition": "\(key.partition)"])
        }
        if let missing = try archive.index.windowOffsetsPastSegments(of: key, meeting: offsets) {
            throw SedimentError(
                .notHeldLocally,
                "offsets \(missing.lowerBound)...\(missing.upperBound) of partition \(key.partition) of topic '\(key.topic)' are in window "
                    + "files and in no segment (a restored archive, or segments deleted before the archive recorded deletions); read those by time instead",
                context: ["topic": key.topic, "partition": "\(key.partition)"])
        }
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
