import GRDB

/// The queries and the one write transaction of the SQLite index. Every method runs
/// blocking SQLite work on the caller's thread (GRDB serializes it per connection).
struct ArchiveIndex: Sendable {
    let pool: DatabasePool
    let path: String

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw wrap(error) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw wrap(error) }
    }

    private func wrap(_ error: any Error) -> SedimentError {
        if let error = error as? SedimentError { return error }
        return SedimentError(.database, "index \(path): \(Schema.describe(error))", context: ["path": path], underlying: error)
    }

    struct PartitionRow: Sendable {
        var id: Int64
        var key: PartitionKey
        var nextOffset: Int64
    }

    /// The topics the archive holds, as (instance, topic).
    func topics() throws -> [(instance: String, topic: String)] {
        try read { db in
            // A restored topic may have windows and no partition in the segment store.
            try Row.fetchAll(db, sql: """
                SELECT instance, topic FROM partitions UNION SELECT instance, topic FROM window_files ORDER BY instance, topic
                """)
                .map { ($0["instance"], $0["topic"]) }
        }
    }

    func instanceCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT instance FROM partitions UNION SELECT instance FROM window_files)
                """) ?? 0 }
    }

    func partitions(instance: String? = nil, topic: String? = nil) throws -> [PartitionRow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, instance, topic, partition, next_offset FROM partitions
                WHERE (?1 IS NULL OR instance = ?1) AND (?2 IS NULL OR topic = ?2)
                ORDER BY instance, topic, partition
                """, arguments: [instance, topic]
            ).map { row in
                PartitionRow(
                    id: row["id"], key: PartitionKey(instance: row["instance"], topic: row["topic"], partition: row["partition"]),
                    nextOffset: row["next_offset"])
            }
        }
    }

    func segments(partitionID: Int64, in db: Database) throws -> [SegmentRow] {
        try Row.fetchAll(
            db, sql: "SELECT base_offset, size FROM segments WHERE partition_id = ? ORDER BY base_offset",
            arguments: [partitionID]
        ).map { SegmentRow(baseOffset: $0["base_offset"], size: $0["size"]) }
    }

    func blocks(of key: PartitionKey, segmentBase: Int64, in db: Database) throws -> [BlockRow] {
        try Row.fetchAll(db, sql: """
            SELECT \(BlockRow.columns) FROM blocks
            WHERE instance = ? AND topic = ? AND partition = ? AND segment_base = ?
            ORDER BY first_offset
            """, arguments: [key.instance, key.topic, key.partition, segmentBase]
        ).map(BlockRow.init(row:))
    }

    /// Blocks of one partition that may hold offsets in `offsets`, in offset order.
    func blocks(of key: PartitionKey, offsets: ClosedRange<Int64>) throws -> [BlockRow] {
        let end = offsets.upperBound == .max ? Int64.max : offsets.upperBound + 1
        return try read { db in try blocks(of: key, from: offsets.lowerBound, below: end, in: db) }
    }

    /// A `WHERE` clause over `blocks`: partition ?3 of topic ?1/?2, from the block that
    /// holds offset ?4 (or the first one after it) on, starting below offset ?5.
    static let blocksFromOffset = """
        instance = ?1 AND topic = ?2 AND partition = ?3 AND first_offset < ?5
          AND first_offset >= COALESCE((SELECT MAX(first_offset) FROM blocks
                WHERE instance = ?1 AND topic = ?2 AND partition = ?3 AND first_offset <= ?4), ?4)
        """

    /// Blocks of one partition from the one holding `offset` on, below `end`, in offset order.
    func blocks(of key: PartitionKey, from offset: Int64, below end: Int64, in db: Database) throws -> [BlockRow] {
        try Row.fetchAll(
            db, sql: "SELECT \(BlockRow.columns) FROM blocks WHERE \(Self.blocksFromOffset) ORDER BY first_offset",
            arguments: [key.instance, key.topic, key.partition, offset, end]
        ).map(BlockRow.init(row:))
    }

    /// Where a time-range scan of the index stands: the sort key of the last block returned.
    struct TimeCursor: Sendable {
        var date: String
        var minTimestamp: Int64
        var partition: Int32
        var firstOffset: Int64
    }

    /// One page of the blocks that may hold timestamps in `range`, in (min_timestamp,
    /// partition, offset) order, after `cursor`.
    func blocks(
        instance: String, topic: String, range: Range<Int64>, maxBlockSpan: Int64,
        after cursor: TimeCursor?, limit: Int
    ) throws -> [BlockRow] {
        guard !range.isEmpty else { return [] }
        let (difference, overflow) = range.lowerBound.subtractingReportingOverflow(maxBlockSpan)
        let lowest = overflow ? Int64.min : difference
        let after = cursor ?? TimeCursor(date: "", minTimestamp: Int64.min, partition: Int32.min, firstOffset: Int64.min)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(BlockRow.columns) FROM blocks
                WHERE instance = ? AND topic = ? AND date BETWEEN ? AND ?
                  AND min_timestamp >= ? AND min_timestamp < ? AND max_timestamp >= ?
                  AND (date, min_timestamp, partition, first_offset) > (?, ?, ?, ?)
                ORDER BY date, min_timestamp, partition, first_offset
                LIMIT ?
                """, arguments: [
                    instance, topic,
                    BlockRow.indexDay(lowest), BlockRow.indexDay(range.upperBound - 1),
                    lowest, range.upperBound, range.lowerBound,
                    after.date, after.minTimestamp, after.partition, after.firstOffset, limit,
                ]
            ).map(BlockRow.init(row:))
        }
    }

    /// The instances that hold `topic`.
    func instances(holding topic: String) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT instance FROM partitions WHERE topic = ?1 UNION SELECT instance FROM window_files WHERE topic = ?1 ORDER BY instance
                """, arguments: [topic])
        }
    }
}
