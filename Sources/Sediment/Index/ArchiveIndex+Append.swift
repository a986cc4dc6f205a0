import GRDB

/// What one append commits, in one transaction: each touched partition's next offset,
/// the sizes of the segments written to, and the new blocks of the time index.
struct AppendCommit {
    var positions: [(key: PartitionKey, nextOffset: Int64)] = []
    var segmentSizes: [(key: PartitionKey, baseOffset: Int64, size: Int64)] = []
    var blocks: [(key: PartitionKey, block: BlockRow)] = []
    /// Recorded with each partition when given (`ArchiveOptions.worker`, `.consumerGroup`).
    var worker: String?
    var consumerGroup: String?
}

/// The writer's side of the index.
extension ArchiveIndex {
    /// Commits an append whose segment bytes are durable; returns each partition's row id.
    func commit(_ append: AppendCommit, ingestedAt: Int64) throws -> [PartitionKey: Int64] {
        try write { db in
            var ids: [PartitionKey: Int64] = [:]
            for (key, nextOffset) in append.positions {
                ids[key] = try Int64.fetchOne(db, sql: """
                    INSERT INTO partitions (instance, topic, partition, next_offset, worker, consumer_group) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (instance, topic, partition)
                    DO UPDATE SET next_offset = excluded.next_offset, worker = COALESCE(excluded.worker, worker),
                        consumer_group = COALESCE(excluded.consumer_group, consumer_group)
                    RETURNING id
                    """, arguments: [key.instance, key.topic, key.partition, nextOffset, append.worker, append.consumerGroup])!
            }
            for (key, baseOffset, size) in append.segmentSizes {
                try db.execute(sql: """
                    INSERT INTO segments (partition_id, base_offset, size, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (partition_id, base_offset) DO UPDATE SET size = excluded.size
                    """, arguments: [ids[key]!, baseOffset, size, ingestedAt])
            }
            // Per topic (partition 0 stands for the topic): the widest block appended.
            var spans: [PartitionKey: Int64] = [:]
            for (key, var block) in append.blocks {
                block.ingestedAt = ingestedAt
                try block.insert(instance: key.instance, topic: key.topic, into: db)
                let topic = PartitionKey(instance: key.instance, topic: key.topic, partition: 0)
                spans[topic] = max(spans[topic] ?? 0, block.maxTimestamp - block.minTimestamp)
            }
            for (topic, span) in spans {
                try db.execute(sql: """
                    INSERT INTO topics (instance, topic, max_block_span) VALUES (?, ?, ?)
                    ON CONFLICT (instance, topic) DO UPDATE SET max_block_span = MAX(max_block_span, excluded.max_block_span)
                    """, arguments: [topic.instance, topic.topic, span])
            }
            return ids
        }
    }

    /// The last segment of a partition, if it has one.
    func lastSegment(partitionID: Int64) throws -> SegmentRow? {
        try read { db in try segments(partitionID: partitionID, in: db).last }
    }
}
