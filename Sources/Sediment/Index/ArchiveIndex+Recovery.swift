/// What recovery at open changes in the index.
extension ArchiveIndex {
    /// A segment shorter than its index (a crash lost the end of its last batches): the
    /// lost blocks go, the block of the records that survived replaces the first of them,
    /// the segment is cut at `end` (forgotten at 0) and the partition resumes at
    /// `nextOffset`, all in one transaction.
    func recordShortSegment(
        _ partition: PartitionRow, baseOffset: Int64, lost: [BlockRow], survivor: BlockRow?, end: Int64, nextOffset: Int64
    ) throws {
        let key = partition.key
        try write { db in
            for block in lost {
                try db.execute(
                    sql: "DELETE FROM blocks WHERE instance = ? AND topic = ? AND partition = ? AND first_offset = ?",
                    arguments: [key.instance, key.topic, key.partition, block.firstOffset])
            }
            if let survivor { try survivor.insert(instance: key.instance, topic: key.topic, into: db) }
            if end == 0 {
                try db.execute(sql: "DELETE FROM segments WHERE partition_id = ? AND base_offset = ?", arguments: [partition.id, baseOffset])
            } else {
                try db.execute(
                    sql: "UPDATE segments SET size = ? WHERE partition_id = ? AND base_offset = ?",
                    arguments: [end, partition.id, baseOffset])
            }
            try db.execute(sql: "UPDATE partitions SET next_offset = ? WHERE id = ?", arguments: [nextOffset, partition.id])
        }
    }

    func segments(partitionID: Int64) throws -> [SegmentRow] {
        try read { db in try segments(partitionID: partitionID, in: db) }
    }

    func blocks(of key: PartitionKey, segmentBase: Int64) throws -> [BlockRow] {
        try read { db in try blocks(of: key, segmentBase: segmentBase, in: db) }
    }
}
