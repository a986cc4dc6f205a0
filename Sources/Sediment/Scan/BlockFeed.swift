/// Blocks of the time index in (lowest timestamp, partition, first offset) order.
protocol BlockFeed {
    mutating func peek() throws -> BlockRow?
    mutating func advance()
    /// Up to `count` blocks from the one `peek` returns on, of those known without a read.
    func known(_ count: Int) -> ArraySlice<BlockRow>
}

/// The blocks of a topic that may hold timestamps in a range, read from the index a
/// page at a time.
struct IndexBlockFeed: BlockFeed {
    let index: ArchiveIndex
    let instance: String
    let topic: String
    let range: Range<Int64>
    let maxBlockSpan: Int64
    private var page: [BlockRow] = []
    private var pageIndex = 0
    private var cursor: ArchiveIndex.TimeCursor?
    private var exhausted = false
    private static let pageSize = 512

    init(index: ArchiveIndex, instance: String, topic: String, range: Range<Int64>, maxBlockSpan: Int64) {
        self.index = index
        self.instance = instance
        self.topic = topic
        self.range = range
        self.maxBlockSpan = maxBlockSpan
    }

    mutating func peek() throws -> BlockRow? {
        while pageIndex == page.count {
            if exhausted { return nil }
            page = try index.blocks(
                instance: instance, topic: topic, range: range, maxBlockSpan: maxBlockSpan, after: cursor, limit: Self.pageSize)
            pageIndex = 0
            if let last = page.last {
                cursor = .init(
                    date: BlockRow.indexDay(last.minTimestamp), minTimestamp: last.minTimestamp,
                    partition: last.partition, firstOffset: last.firstOffset)
            }
            if page.count < Self.pageSize { exhausted = true }
        }
        return page[pageIndex]
    }

    mutating func advance() { pageIndex += 1 }

    func known(_ count: Int) -> ArraySlice<BlockRow> { page[min(pageIndex, page.count)..<min(page.count, pageIndex + count)] }
}

/// A list of blocks known in advance, sorted here by lowest timestamp.
struct ListBlockFeed: BlockFeed {
    private let blocks: [BlockRow]
    private var position = 0

    init(_ blocks: [BlockRow]) {
        self.blocks = blocks.sorted { ($0.minTimestamp, $0.partition, $0.firstOffset) < ($1.minTimestamp, $1.partition, $1.firstOffset) }
    }

    mutating func peek() throws -> BlockRow? { position < blocks.count ? blocks[position] : nil }
    mutating func advance() { position += 1 }

    func known(_ count: Int) -> ArraySlice<BlockRow> { blocks[min(position, blocks.count)..<min(blocks.count, position + count)] }
}
