/// Streams the messages of one topic whose timestamps fall in `[from, to)`, ordered by
/// (timestamp, partition, offset), reading the index page by page and the segments
/// block by block.
///
/// Blocks come from the index in order of their lowest timestamp. Each block read
/// becomes a sorted run; a message is released once no unread block can start before
/// it, so memory holds only the blocks whose time ranges overlap the current point.
///
/// The cursor sees the archive as of its creation: blocks committed later (offsets at
/// or past the positions read at the start) are left out, so a query running beside a
/// writer returns a consistent prefix of every partition.
public final class TimeRangeCursor {
    public let instance: String
    public let topic: String
    public let range: Range<Int64>
    let partitions: Set<Int32>?
    private let index: ArchiveIndex
    private let reader: SegmentReader
    private let maxBlockSpan: Int64
    private let snapshot: [Int32: Int64]
    private var page: [BlockRow] = []
    private var pageIndex = 0
    private var indexCursor: ArchiveIndex.TimeCursor?
    private var indexExhausted = false
    private var runs = MessageRunHeap()
    private static let pageSize = 512

    init(archive: Archive, instance: String, topic: String, range: Range<Int64>, partitions: Set<Int32>?) throws {
        self.instance = instance
        self.topic = topic
        self.range = range
        self.partitions = partitions
        self.index = archive.index
        self.reader = SegmentReader(layout: archive.layout, instance: instance, topic: topic)
        var snapshot: [Int32: Int64] = [:]
        for row in try archive.index.partitions(instance: instance, topic: topic) { snapshot[row.key.partition] = row.nextOffset }
        self.snapshot = snapshot
        self.maxBlockSpan = try archive.index.maxBlockSpan(instance: instance, topic: topic)
    }

    /// The next message in order, or nil at the end of the range.
    public func next() throws -> Message? {
        while true {
            let upcoming = try peekBlock()
            if let head = runs.head, upcoming == nil || head.timestamp < upcoming!.minTimestamp {
                return runs.popHead()
            }
            guard let block = upcoming else { return nil }
            pageIndex += 1
            try load(block)
        }
    }

    private func load(_ block: BlockRow) throws {
        let limit = snapshot[block.partition] ?? 0
        var run = try reader.messages(of: block).filter {
            range.contains($0.timestamp) && $0.offset < limit
        }
        guard !run.isEmpty else { return }
        if !run.isSortedByTimestamp { run.sort { ($0.timestamp, $0.offset) < ($1.timestamp, $1.offset) } }
        runs.insert(run)
    }

    /// The next block of the index that belongs to this query, fetching pages as needed.
    private func peekBlock() throws -> BlockRow? {
        while true {
            if pageIndex < page.count {
                let block = page[pageIndex]
                if accepts(block) { return block }
                pageIndex += 1
                continue
            }
            if indexExhausted { return nil }
            page = try index.blocks(
                instance: instance, topic: topic, range: range, maxBlockSpan: maxBlockSpan,
                after: indexCursor, limit: Self.pageSize)
            pageIndex = 0
            if let last = page.last {
                indexCursor = .init(
                    date: BlockRow.indexDay(last.minTimestamp), minTimestamp: last.minTimestamp,
                    partition: last.partition, firstOffset: last.firstOffset)
            }
            if page.count < Self.pageSize { indexExhausted = true }
        }
    }

    private func accepts(_ block: BlockRow) -> Bool {
        if let partitions, !partitions.contains(block.partition) { return false }
        return block.firstOffset < snapshot[block.partition] ?? 0
    }
}

extension Array where Element == Message {
    var isSortedByTimestamp: Bool {
        zip(self, dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }
    }
}
