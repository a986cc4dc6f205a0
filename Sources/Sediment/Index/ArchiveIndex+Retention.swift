import GRDB

/// A segment file retention may delete: every message it holds is in a window file.
struct SegmentRetentionCandidate: Sendable {
    var partitionID: Int64
    var partition: Int32
    var baseOffset: Int64
    var firstOffset: Int64
    var lastOffset: Int64
    var minTimestamp: Int64
    var maxTimestamp: Int64
    /// The segment's span in window time (message or ingest time).
    var windowTimes: ClosedRange<Int64>
}

/// The retention side of the index: what may go, and the record of what went.
extension ArchiveIndex {
    /// True for a window file `f` that some continuous target has not confirmed. With no
    /// continuous target at all nothing is unconfirmed: the file is the only copy, and
    /// the rule for deleting files (`isDeletableWindowFile`) asks for a target besides.
    static let isUnconfirmedWindowFile = """
        EXISTS (SELECT 1 FROM upload_targets t WHERE t.continuous = 1 AND NOT EXISTS (
            SELECT 1 FROM window_uploads u WHERE u.file_id = f.id AND u.target_id = t.id AND u.state = '\(UploadState.uploaded.rawValue)'))
        """

    /// True for a window file `f` whose local copy may go: at least one continuous target
    /// exists ("no target known yet" never counts as confirmed), and every one confirmed it.
    static let isDeletableWindowFile = """
        EXISTS (SELECT 1 FROM upload_targets t WHERE t.continuous = 1) AND NOT \(isUnconfirmedWindowFile)
        """

    /// Window-time ranges of the topic's files that some continuous target has not
    /// confirmed yet: segments holding messages of them must stay.
    func unconfirmedWindows(instance: String, topic: String, in db: Database) throws -> [ClosedRange<Int64>] {
        try Row.fetchAll(db, sql: """
            SELECT f.window_start, f.window_end FROM window_files f
            WHERE f.instance = ? AND f.topic = ? AND \(Self.isUnconfirmedWindowFile)
            """, arguments: [instance, topic]
        ).map { ($0["window_start"] as Int64)...($0["window_end"] as Int64 - 1) }
    }

    /// The topic's segment files but each partition's last (which the writer appends to),
    /// with their offset and time spans, in (partition, base offset) order.
    func retentionCandidates(
        instance: String, topic: String, windowTime: WindowSettings.WindowTime, in db: Database
    ) throws -> [SegmentRetentionCandidate] {
        try Row.fetchAll(db, sql: """
            SELECT p.id, p.partition, s.base_offset,
                   MIN(b.first_offset) AS first_offset, MAX(b.last_offset) AS last_offset,
                   MIN(b.min_timestamp) AS min_timestamp, MAX(b.max_timestamp) AS max_timestamp,
                   MIN(CASE WHEN ?3 = 'ingest' THEN b.ingested_at ELSE b.min_timestamp END) AS low,
                   MAX(CASE WHEN ?3 = 'ingest' THEN b.ingested_at ELSE b.max_timestamp END) AS high
            FROM partitions p JOIN segments s ON s.partition_id = p.id
            JOIN blocks b ON b.instance = p.instance AND b.topic = p.topic AND b.partition = p.partition
                AND b.segment_base = s.base_offset
            WHERE p.instance = ?1 AND p.topic = ?2
              AND s.base_offset < (SELECT MAX(base_offset) FROM segments WHERE partition_id = p.id)
            GROUP BY p.id, s.base_offset
            ORDER BY p.partition, s.base_offset
            """, arguments: [instance, topic, windowTime.rawValue]
        ).map { row in
            SegmentRetentionCandidate(
                partitionID: row["id"], partition: row["partition"], baseOffset: row["base_offset"],
                firstOffset: row["first_offset"], lastOffset: row["last_offset"], minTimestamp: row["min_timestamp"],
                maxTimestamp: row["max_timestamp"], windowTimes: (row["low"] as Int64)...(row["high"] as Int64))
        }
    }

    /// Forgets a segment's rows and records what it held, in one transaction: a crash
    /// before the unlink leaves a file the index does not know, which recovery removes.
    func forgetSegment(_ segment: SegmentRetentionCandidate, instance: String, topic: String, at now: Int64) throws {
        try write { db in
            try db.execute(
                sql: "DELETE FROM blocks WHERE instance = ? AND topic = ? AND partition = ? AND segment_base = ?",
                arguments: [instance, topic, segment.partition, segment.baseOffset])
            try db.execute(
                sql: "DELETE FROM segments WHERE partition_id = ? AND base_offset = ?",
                arguments: [segment.partitionID, segment.baseOffset])
            try db.execute(sql: """
                INSERT OR REPLACE INTO deleted_segments (instance, topic, partition, base_offset, first_offset, last_offset,
                    min_timestamp, max_timestamp, deleted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    instance, topic, segment.partition, segment.baseOffset, segment.firstOffset, segment.lastOffset,
                    segment.minTimestamp, segment.maxTimestamp, now,
                ])
        }
    }

    /// Whether the archive knows a continuous upload target: local window retention
    /// deletes nothing without one.
    func hasContinuousTarget() throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM upload_targets WHERE continuous = 1)") ?? false }
    }

    /// The topic's window files still on disk whose window ended before `cutoff` and that
    /// every continuous target (at least one) has confirmed; with `waitsForHooks`, whose
    /// hook is done besides.
    func expiredWindowFiles(
        instance: String, topic: String, before cutoff: Int64, waitsForHooks: Bool
    ) throws -> [(id: Int64, path: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT f.id, f.path FROM window_files f
                WHERE f.instance = ? AND f.topic = ? AND f.window_end < ? AND f.local_deleted_at IS NULL
                  AND \(Self.isDeletableWindowFile)
                  AND (? = 0 OR EXISTS (
                      SELECT 1 FROM window_hooks h WHERE h.file_id = f.id AND h.state = '\(HookState.done.rawValue)'))
                ORDER BY f.id
                """, arguments: [instance, topic, cutoff, waitsForHooks]
            ).map { (id: $0["id"] as Int64, path: $0["path"] as String) }
        }
    }

    func markWindowFileDeleted(id: Int64, at now: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE window_files SET local_deleted_at = ? WHERE id = ?", arguments: [now, id])
        }
    }
}
