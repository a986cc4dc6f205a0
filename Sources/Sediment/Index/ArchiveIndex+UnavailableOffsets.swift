import GRDB

/// Offsets the source deleted before the archive read them (`unavailable_offsets`).
extension ArchiveIndex {
    /// Records `offsets` of `key` as unavailable and moves the partition's position past
    /// them, in one transaction. Recording the same start again widens the range.
    func skipUnavailable(_ key: PartitionKey, offsets: ClosedRange<Int64>, at now: Int64) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO unavailable_offsets (instance, topic, partition, first_offset, last_offset, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (instance, topic, partition, first_offset) DO UPDATE SET last_offset = MAX(last_offset, excluded.last_offset)
                """, arguments: [key.instance, key.topic, key.partition, offsets.lowerBound, offsets.upperBound, now])
            try db.execute(sql: """
                UPDATE partitions SET next_offset = MAX(next_offset, ?) WHERE instance = ? AND topic = ? AND partition = ?
                """, arguments: [offsets.upperBound + 1, key.instance, key.topic, key.partition])
        }
    }

    /// Every partition's unavailable offsets, in offset order.
    func unavailableOffsets() throws -> [PartitionKey: [UnavailableOffsets]] {
        try read { db in try unavailableOffsets(in: db) }
    }

    func unavailableOffsets(in db: Database) throws -> [PartitionKey: [UnavailableOffsets]] {
        var ranges: [PartitionKey: [UnavailableOffsets]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT instance, topic, partition, first_offset, last_offset, recorded_at FROM unavailable_offsets
            ORDER BY instance, topic, partition, first_offset
            """) {
            let key = PartitionKey(instance: row["instance"], topic: row["topic"], partition: row["partition"])
            ranges[key, default: []].append(
                UnavailableOffsets(firstOffset: row["first_offset"], lastOffset: row["last_offset"], recordedAt: row["recorded_at"]))
        }
        return ranges
    }
}
