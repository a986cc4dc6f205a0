import Foundation
import GRDB

/// Replays and their offset maps (Schema/0007_replays.sql, 0008_replay_map_runs.sql).
extension ArchiveIndex {
    func createReplay(_ replay: ReplayRecord, targets: [Int32: Int64]) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO replays (id, instance, topic, from_time, to_time, target_topic, brokers, partitioning,
                    source_headers, transactional, filter, target_partitions, messages, acknowledged, state, error, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    replay.id, replay.instance, replay.topic, replay.from, replay.to, replay.targetTopic, replay.brokers,
                    replay.partitioning.rawValue, replay.sourceHeaders, replay.transactional,
                    try replay.filter.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) },
                    replay.targetPartitions, replay.messages,
                    replay.acknowledged, replay.state.rawValue, replay.error, replay.createdAt, replay.updatedAt,
                ])
            for (partition, offset) in targets {
                try db.execute(
                    sql: "INSERT INTO replay_targets (replay_id, partition, start_offset) VALUES (?, ?, ?)",
                    arguments: [replay.id, partition, offset])
            }
        }
    }

    func replays(id: String? = nil) throws -> [ReplayRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM replays WHERE ?1 IS NULL OR id = ?1 ORDER BY created_at, id
                """, arguments: [id]
            ).map { row in
                ReplayRecord(
                    id: row["id"], instance: row["instance"], topic: row["topic"], from: row["from_time"], to: row["to_time"],
                    targetTopic: row["target_topic"], brokers: row["brokers"],
                    partitioning: ReplayRecord.Partitioning(rawValue: row["partitioning"]) ?? .same,
                    sourceHeaders: row["source_headers"], transactional: row["transactional"],
                    filter: try (row["filter"] as String?).map { try JSONDecoder().decode(MessageFilter.self, from: Data($0.utf8)) },
                    targetPartitions: row["target_partitions"], messages: row["messages"],
                    acknowledged: row["acknowledged"], state: ReplayRecord.State(rawValue: row["state"]) ?? .failed,
                    error: row["error"], createdAt: row["created_at"], updatedAt: row["updated_at"])
            }
        }
    }

    func replayTargets(id: String) throws -> [Int32: Int64] {
        try read { db in
            var targets: [Int32: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT partition, start_offset FROM replay_targets WHERE replay_id = ?", arguments: [id]) {
                targets[row["partition"]] = row["start_offset"]
            }
            return targets
        }
    }

    /// The offset map, by source partition, target partition and source offset.
    func replayRuns(id: String) throws -> [ReplayRun] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM replay_runs WHERE replay_id = ? ORDER BY source_partition, target_partition, source_first
                """, arguments: [id]
            ).map(ReplayRun.init(row:))
        }
    }

    /// Adds acknowledged runs in one transaction, extending the stored run a new one
    /// continues, and counts them.
    func recordReplayRuns(id: String, _ runs: [ReplayRun], acknowledged: Int, now: Int64) throws {
        try write { db in
            for run in runs {
                let previous = try Row.fetchOne(db, sql: """
                    SELECT * FROM replay_runs
                    WHERE replay_id = ? AND source_partition = ? AND target_partition = ? AND source_first <= ?
                    ORDER BY source_first DESC LIMIT 1
                    """, arguments: [id, run.sourcePartition, run.targetPartition, run.sourceFirst]
                ).map(ReplayRun.init(row:))
                if let previous, previous.isFollowed(bySource: run.sourceFirst, target: run.targetPartition, offset: run.targetFirst) {
                    try db.execute(sql: """
                        UPDATE replay_runs SET source_last = ?, target_last = ?
                        WHERE replay_id = ? AND source_partition = ? AND target_partition = ? AND source_first = ?
                        """, arguments: [run.sourceLast, run.targetLast, id, run.sourcePartition, run.targetPartition, previous.sourceFirst])
                } else {
                    try db.execute(sql: """
                        INSERT INTO replay_runs (replay_id, source_partition, target_partition, source_first, source_last, target_first, target_last)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [
                            id, run.sourcePartition, run.targetPartition, run.sourceFirst, run.sourceLast, run.targetFirst, run.targetLast,
                        ])
                }
            }
            try db.execute(
                sql: "UPDATE replays SET acknowledged = acknowledged + ?, updated_at = ? WHERE id = ?",
                arguments: [acknowledged, now, id])
        }
    }

    /// `messages`, once a run went through the whole range, is how many it holds.
    func setReplayState(id: String, _ state: ReplayRecord.State, error: String?, messages: Int? = nil, now: Int64) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE replays SET state = ?, error = ?, messages = COALESCE(?, messages), updated_at = ? WHERE id = ?",
                arguments: [state.rawValue, error, messages, now, id])
        }
    }

    /// Per partition, the offsets that may hold a message of `range`: of the blocks whose
    /// times meet it, and of the window files (on disk or not) whose times meet it.
    func offsetSpans(instance: String, topic: String, range: Range<Int64>) throws -> [Int32: ClosedRange<Int64>] {
        try read { db in
            var spans: [Int32: ClosedRange<Int64>] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT partition, MIN(first_offset) AS first, MAX(last_offset) AS last FROM blocks
                WHERE instance = ?1 AND topic = ?2 AND max_timestamp >= ?3 AND min_timestamp < ?4 GROUP BY partition
                UNION ALL
                SELECT wp.partition, MIN(wp.first_offset), MAX(wp.last_offset) FROM window_files f
                JOIN window_partitions wp ON wp.file_id = f.id
                WHERE f.instance = ?1 AND f.topic = ?2 AND f.max_timestamp >= ?3 AND f.min_timestamp < ?4 GROUP BY wp.partition
                """, arguments: [instance, topic, range.lowerBound, range.upperBound])
            for row in rows {
                let partition: Int32 = row[0]
                let span: ClosedRange<Int64> = (row[1] as Int64)...(row[2] as Int64)
                spans[partition] = spans[partition].map { min($0.lowerBound, span.lowerBound)...max($0.upperBound, span.upperBound) } ?? span
            }
            return spans
        }
    }
}

extension ReplayRun {
    init(row: Row) {
        self.init(
            sourcePartition: row["source_partition"], sourceFirst: row["source_first"], sourceLast: row["source_last"],
            targetPartition: row["target_partition"], targetFirst: row["target_first"], targetLast: row["target_last"])
    }
}
