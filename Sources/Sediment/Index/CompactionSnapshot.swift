import GRDB

/// What one compaction run of a topic reads from the index before it writes anything.
struct CompactionSnapshot {
    let instance: String
    let topic: String
    var schedule: WindowSchedule?
    /// The next offset per partition: the run covers the messages below it.
    var positions: [Int32: Int64] = [:]
    var compactedBelow: [Int32: Int64] = [:]
    var latest: [Int32: (maxTimestamp: Int64, ingestedAt: Int64)] = [:]
    var maxBlockSpan: Int64 = 0
    private let index: ArchiveIndex

    init(index: ArchiveIndex, instance: String, topic: String, in db: Database) throws {
        self.index = index
        self.instance = instance
        self.topic = topic
        let query = try QuerySnapshot(index: index, instance: instance, topic: topic, in: db)
        schedule = query.schedule
        positions = query.positions
        compactedBelow = query.compactedBelow
        maxBlockSpan = query.maxBlockSpan
        latest = try index.latestBlocks(instance: instance, topic: topic, in: db)
    }

    /// The lowest timestamp of any block that may hold messages not yet in a file.
    func lowestPendingTimestamp(in db: Database) throws -> Int64? {
        var lowest: Int64?
        for (partition, end) in positions {
            let found = try Int64.fetchOne(
                db, sql: "SELECT MIN(min_timestamp) FROM blocks WHERE \(ArchiveIndex.blocksFromOffset)",
                arguments: [instance, topic, partition, compactedBelow[partition] ?? 0, end])
            if let found { lowest = min(lowest ?? found, found) }
        }
        return lowest
    }

    /// After a message-time run that closed the windows before `closedBefore`: per
    /// partition, the first block that may still hold a message of an open window.
    func pendingByMessageTime(from closedBefore: Int64, in db: Database) throws -> [Int32: Int64] {
        var pending: [Int32: Int64] = [:]
        for (partition, end) in positions {
            let found = try Int64.fetchOne(
                db, sql: "SELECT MIN(first_offset) FROM blocks WHERE \(ArchiveIndex.blocksFromOffset) AND max_timestamp >= ?6",
                arguments: [instance, topic, partition, compactedBelow[partition] ?? 0, end, closedBefore])
            pending[partition] = max(found ?? end, compactedBelow[partition] ?? 0)
        }
        return pending
    }

    /// The blocks that may hold messages not yet in a file, every partition.
    func pendingBlocks(in db: Database) throws -> [BlockRow] {
        var blocks: [BlockRow] = []
        for (partition, end) in positions.sorted(by: { $0.key < $1.key }) {
            let key = PartitionKey(instance: instance, topic: topic, partition: partition)
            blocks += try index.blocks(of: key, from: compactedBelow[partition] ?? 0, below: end, in: db)
        }
        return blocks
    }
}
