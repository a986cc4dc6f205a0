/// Sorted runs read from segment blocks: the messages of each block that fall in the
/// range, belong to the snapshot and pass the source's filter.
struct SegmentBlockSource<Feed: BlockFeed>: SortedRunSource {
    /// Decides, per block and per message, what this source keeps.
    struct Filter {
        var range: Range<Int64>
        /// The next offset per partition at the snapshot: later blocks are left out.
        var snapshot: [Int32: Int64]
        var partitions: Set<Int32>?
        /// Blocks whose every message is known to be unwanted, skipped without reading.
        var skipsBlock: (BlockRow) -> Bool = { _ in false }
        var keeps: (Message, BlockRow) throws -> Bool = { _, _ in true }
    }

    private var feed: Feed
    private let reader: SegmentReader
    private let filter: Filter

    init(feed: Feed, reader: SegmentReader, filter: Filter) {
        self.feed = feed
        self.reader = reader
        self.filter = filter
    }

    mutating func peekBound() throws -> RunBound? {
        while let block = try feed.peek() {
            if accepts(block) { return RunBound(timestamp: block.minTimestamp, partition: block.partition, offset: block.firstOffset) }
            feed.advance()
        }
        return nil
    }

    mutating func nextRun() throws -> [Message] {
        guard let block = try feed.peek() else { return [] }
        feed.advance()
        let limit = filter.snapshot[block.partition] ?? 0
        var messages = try reader.messages(of: block)
        try messages.removeAll { try !(filter.range.contains($0.timestamp) && $0.offset < limit && filter.keeps($0, block)) }
        return messages
    }

    private func accepts(_ block: BlockRow) -> Bool {
        if let partitions = filter.partitions, !partitions.contains(block.partition) { return false }
        return block.firstOffset < filter.snapshot[block.partition] ?? 0 && !filter.skipsBlock(block)
    }
}
