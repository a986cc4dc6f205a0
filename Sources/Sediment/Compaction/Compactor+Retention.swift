import GRDB

/// What a compactor may delete once windows hold the data.
public struct RetentionPolicy: Sendable, Hashable {
    /// Delete a segment file once every message it holds is in a jsonl window file (text
    /// windows are lossy: their segments stay) that every continuous upload target has
    /// confirmed. The partition's last segment, which the writer appends to, always
    /// stays. Default true.
    public var deleteCompactedSegments = true
    /// Delete window files whose window ended longer ago than this, once every continuous
    /// upload target has confirmed them. Default nil: keep them.
    public var localWindowRetention: Int64?

    public init() {}
}

extension Compactor {
    /// Applies `policy` to one topic. Nothing is deleted while a cursor is open, in any
    /// process (`ReaderLease`): a query must find the files its snapshot promised, so the
    /// next run tries again. Segments are judged by the compaction positions recorded by
    /// the previous run (`compactedBelow` of the run's snapshot), not this one's.
    func applyRetention(_ policy: RetentionPolicy, snapshot: CompactionSnapshot, schedule: WindowSchedule, now: Int64) throws -> (segments: Int, windowFiles: Int) {
        guard policy.deleteCompactedSegments || policy.localWindowRetention != nil else { return (0, 0) }
        guard let exclusive = try ArchiveLock.ifFree(path: archive.layout.readersLockPath) else {
            logger.debug("a query is reading the archive: deletions wait for the next run", metadata: ["topic": "\(snapshot.topic)"])
            return (0, 0)
        }
        return try withExtendedLifetime(exclusive) {
            var segments = 0
            if policy.deleteCompactedSegments {
                segments = try deleteCompactedSegments(snapshot: snapshot, schedule: schedule)
            }
            var windowFiles = 0
            if let retention = policy.localWindowRetention {
                windowFiles = try deleteExpiredWindowFiles(instance: snapshot.instance, topic: snapshot.topic, before: now - retention)
            }
            return (segments, windowFiles)
        }
    }

    private func deleteCompactedSegments(snapshot: CompactionSnapshot, schedule: WindowSchedule) throws -> Int {
        struct Candidate {
            var partitionID: Int64
            var partition: Int32
            var baseOffset: Int64
        }
        let candidates: [Candidate] = try index.read { db in
            // Windows a continuous upload target has not confirmed hold back the segments
            // whose messages they hold: the local copy is the only one until then.
            let unconfirmed = try index.unconfirmedWindows(instance: snapshot.instance, topic: snapshot.topic, in: db)
            var found: [Candidate] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT p.id, p.partition, s.base_offset,
                       (SELECT MAX(last_offset) FROM blocks b WHERE b.instance = p.instance AND b.topic = p.topic
                          AND b.partition = p.partition AND b.segment_base = s.base_offset),
                       (SELECT MIN(CASE WHEN ?3 = 'ingest' THEN ingested_at ELSE min_timestamp END) FROM blocks b
                          WHERE b.instance = p.instance AND b.topic = p.topic AND b.partition = p.partition AND b.segment_base = s.base_offset),
                       (SELECT MAX(CASE WHEN ?3 = 'ingest' THEN ingested_at ELSE max_timestamp END) FROM blocks b
                          WHERE b.instance = p.instance AND b.topic = p.topic AND b.partition = p.partition AND b.segment_base = s.base_offset)
                FROM partitions p JOIN segments s ON s.partition_id = p.id
                WHERE p.instance = ?1 AND p.topic = ?2
                  AND s.base_offset < (SELECT MAX(base_offset) FROM segments WHERE partition_id = p.id)
                ORDER BY p.partition, s.base_offset
                """, arguments: [snapshot.instance, snapshot.topic, schedule.current.windowTime.rawValue]) {
                let partition: Int32 = row[1]
                let lastOffset: Int64? = row[3]
                guard let lastOffset, lastOffset < snapshot.compactedBelow[partition] ?? 0,
                    let low: Int64 = row[4], let high: Int64 = row[5], schedule.isLossless(in: low...high),
                    !unconfirmed.contains(where: { $0.overlaps(low...high) })
                else { continue }
                found.append(Candidate(partitionID: row[0], partition: partition, baseOffset: row[2]))
            }
            return found
        }
        for candidate in candidates {
            // The index forgets the segment first: a crash before the unlink leaves a file
            // the index does not know, which the writer's recovery removes.
            try index.write { db in
                try db.execute(
                    sql: "DELETE FROM blocks WHERE instance = ? AND topic = ? AND partition = ? AND segment_base = ?",
                    arguments: [snapshot.instance, snapshot.topic, candidate.partition, candidate.baseOffset])
                try db.execute(
                    sql: "DELETE FROM segments WHERE partition_id = ? AND base_offset = ?",
                    arguments: [candidate.partitionID, candidate.baseOffset])
            }
            try FileSystem.remove(archive.layout.segmentPath(
                instance: snapshot.instance, topic: snapshot.topic, partition: candidate.partition, baseOffset: candidate.baseOffset))
        }
        if !candidates.isEmpty {
            logger.info("deleted compacted segments", metadata: ["topic": "\(snapshot.topic)", "segments": "\(candidates.count)"])
        }
        return candidates.count
    }

    private func deleteExpiredWindowFiles(instance: String, topic: String, before cutoff: Int64) throws -> Int {
        let expired = try index.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, path FROM window_files
                WHERE instance = ? AND topic = ? AND window_end < ? AND local_deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM upload_targets t WHERE t.continuous = 1 AND NOT EXISTS (
                      SELECT 1 FROM window_uploads u WHERE u.file_id = window_files.id AND u.target_id = t.id AND u.state = 'uploaded'))
                """, arguments: [instance, topic, cutoff]
            ).map { (id: $0[0] as Int64, path: $0[1] as String) }
        }
        let now = WallClock.nowMilliseconds()
        for file in expired {
            try index.write { db in
                try db.execute(sql: "UPDATE window_files SET local_deleted_at = ? WHERE id = ?", arguments: [now, file.id])
            }
            try FileSystem.remove(archive.layout.root + "/" + file.path)
        }
        return expired.count
    }
}
