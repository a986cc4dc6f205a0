/// Sorted runs read from segment blocks: the messages of each block that fall in the
/// range, belong to the snapshot and pass the source's filter.
struct SegmentBlockSource<Feed: BlockFeed>: SortedRunSource {
    private var feed: Feed
    private let reader: SegmentReader
    private let filter: SegmentBlockFilter
    private let readAhead: BlockReadAhead?

    /// With `readingAhead`, the next blocks the feed knows are read and checked on the
    /// compression workers while the caller works through this one (when the filter keeps
    /// by position only and nothing is tallied; otherwise it is ignored).
    init(feed: Feed, reader: SegmentReader, filter: SegmentBlockFilter, readingAhead: Bool = false) {
        self.feed = feed
        self.reader = reader
        self.filter = filter
        self.readAhead = readingAhead && filter.keeps == nil && reader.readsAnywhere ? BlockReadAhead(reader: reader) : nil
    }

    mutating func peekBound() throws -> RunBound? {
        while let block = try feed.peek() {
            if accepts(block) { return RunBound(timestamp: block.minTimestamp, partition: block.partition, offset: block.firstOffset) }
            feed.advance()
        }
        return nil
    }

    mutating func nextRun() throws -> RecordRun {
        guard let block = try feed.peek() else { return RecordRun(messages: []) }
        feed.advance()
        guard let readAhead else { return try filter.read(block, with: reader) }
        let upcoming = feed.known(BlockReadAhead.depth).filter(accepts)
        return try readAhead.run(of: block, then: upcoming) { filter.positionKeep(for: $0) }
    }

    private func accepts(_ block: BlockRow) -> Bool {
        if let partitions = filter.partitions, !partitions.contains(block.partition) { return false }
        return block.firstOffset < filter.snapshot[block.partition] ?? 0 && !filter.skipsBlock(block)
    }
}

/// Decides, per block and per message, what a `SegmentBlockSource` keeps.
struct SegmentBlockFilter {
    var range: Range<Int64>
    /// The next offset per partition at the snapshot: later blocks are left out.
    var snapshot: [Int32: Int64]
    var partitions: Set<Int32>?
    /// Blocks whose every message is known to be unwanted, skipped without reading.
    var skipsBlock: (BlockRow) -> Bool = { _ in false }
    /// Whether a message the range and snapshot keep is kept; nil keeps them all.
    var keeps: ((RunBound, BlockRow) throws -> Bool)?

    /// The records of `block` this filter keeps. Here rather than in the generic source: a
    /// closure built there fetched the source's type metadata once a message.
    func read(_ block: BlockRow, with reader: SegmentReader) throws -> RecordRun {
        let inRange = positionKeep(for: block)
        guard let keeps else { return try reader.run(of: block, keeping: inRange) }
        return try reader.run(of: block) { position in try inRange(position) && keeps(position, block) }
    }

    /// What the range and snapshot keep of `block`, for any thread.
    func positionKeep(for block: BlockRow) -> @Sendable (RunBound) -> Bool {
        let (range, limit) = (range, snapshot[block.partition] ?? 0)
        return { range.contains($0.timestamp) && $0.offset < limit }
    }
}
