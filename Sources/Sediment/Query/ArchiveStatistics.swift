import GRDB

/// What an archive holds, per partition, as `sediment status` prints it.
public struct PartitionStatistics: Sendable, Hashable, Codable {
    public var instance: String
    public var topic: String
    public var partition: Int32
    /// The next offset to store.
    public var position: Int64
    public var messages: Int64
    public var bytes: Int64
    public var segments: Int
    public var firstOffset: Int64?
    public var lastOffset: Int64?
    /// Milliseconds since the epoch; nil when the partition holds no message.
    public var minTimestamp: Int64?
    public var maxTimestamp: Int64?
    /// The `sediment dump` worker that archived the partition, when one did.
    public var worker: String?
}

extension Archive {
    public func statistics() throws -> [PartitionStatistics] {
        try index.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.instance, p.topic, p.partition, p.next_offset,
                       COALESCE(SUM(b.record_count), 0), COALESCE(SUM(b.length), 0),
                       (SELECT COUNT(*) FROM segments s WHERE s.partition_id = p.id),
                       MIN(b.first_offset), MAX(b.last_offset), MIN(b.min_timestamp), MAX(b.max_timestamp), p.worker
                FROM partitions p
                LEFT JOIN blocks b ON b.instance = p.instance AND b.topic = p.topic AND b.partition = p.partition
                GROUP BY p.id
                ORDER BY p.instance, p.topic, p.partition
                """
            ).map { row in
                PartitionStatistics(
                    instance: row[0], topic: row[1], partition: row[2], position: row[3], messages: row[4],
                    bytes: row[5], segments: row[6], firstOffset: row[7], lastOffset: row[8],
                    minTimestamp: row[9], maxTimestamp: row[10], worker: row[11])
            }
        }
    }
}
