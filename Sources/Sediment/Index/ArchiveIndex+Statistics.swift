import GRDB

/// What `sediment status` reads: per partition, per topic's windows, per upload target.
/// Rows decode by column name.
extension ArchiveIndex {
    /// Bytes of the archive's files as the index records them: each segment up to its
    /// durable end, and the window files retention has not deleted.
    func recordedFileBytes() throws -> Int64 {
        try read { db in
            try Int64.fetchOne(db, sql: """
                SELECT (SELECT COALESCE(SUM(size), 0) FROM segments)
                     + (SELECT COALESCE(SUM(size), 0) FROM window_files WHERE local_deleted_at IS NULL)
                """) ?? 0
        }
    }

    func partitionStatistics() throws -> [PartitionStatistics] {
        try read { db in
            let unavailable = try unavailableOffsets(in: db)
            return try Row.fetchAll(db, sql: """
                SELECT p.instance, p.topic, p.partition, p.next_offset AS position,
                       COALESCE(SUM(b.record_count), 0) AS messages, COALESCE(SUM(b.length), 0) AS bytes,
                       (SELECT COUNT(*) FROM segments s WHERE s.partition_id = p.id) AS segments,
                       MIN(b.first_offset) AS first_offset, MAX(b.last_offset) AS last_offset,
                       MIN(b.min_timestamp) AS min_timestamp, MAX(b.max_timestamp) AS max_timestamp, p.worker
                FROM partitions p
                LEFT JOIN blocks b ON b.instance = p.instance AND b.topic = p.topic AND b.partition = p.partition
                GROUP BY p.id
                ORDER BY p.instance, p.topic, p.partition
                """
            ).map { row in
                var statistics = PartitionStatistics(row: row)
                statistics.unavailableOffsets = unavailable[
                    PartitionKey(instance: statistics.instance, topic: statistics.topic, partition: statistics.partition)] ?? []
                return statistics
            }
        }
    }

    func uploadStatistics() throws -> [UploadStatistics] {
        let uploaded = UploadState.uploaded.rawValue
        let failed = UploadState.failed.rawValue
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.uri, t.key_template, t.continuous,
                       (SELECT COUNT(*) FROM window_uploads u WHERE u.target_id = t.id AND u.state = '\(uploaded)') AS uploaded,
                       (SELECT COALESCE(SUM(f.size), 0) FROM window_uploads u JOIN window_files f ON f.id = u.file_id
                          WHERE u.target_id = t.id AND u.state = '\(uploaded)') AS uploaded_bytes,
                       (SELECT COUNT(*) FROM window_uploads u WHERE u.target_id = t.id AND u.state = '\(failed)') AS failed,
                       (SELECT COUNT(*) FROM window_files f WHERE f.local_deleted_at IS NULL AND NOT EXISTS (
                          SELECT 1 FROM window_uploads u WHERE u.file_id = f.id AND u.target_id = t.id AND u.state = '\(uploaded)'))
                          AS pending,
                       (SELECT MIN(f.window_start) FROM window_files f WHERE f.local_deleted_at IS NULL AND NOT EXISTS (
                          SELECT 1 FROM window_uploads u WHERE u.file_id = f.id AND u.target_id = t.id AND u.state = '\(uploaded)'))
                          AS oldest_pending,
                       (SELECT u.error FROM window_uploads u WHERE u.target_id = t.id AND u.state = '\(failed)'
                          ORDER BY u.updated_at DESC LIMIT 1) AS last_error
                FROM upload_targets t ORDER BY t.id
                """
            ).map(UploadStatistics.init(row:))
        }
    }

    func windowStatistics() throws -> [WindowStatistics] {
        try read { db in
            let topics = try Row.fetchAll(db, sql: "SELECT DISTINCT instance, topic FROM window_settings ORDER BY instance, topic")
            return try topics.map { row in
                let instance: String = row["instance"]
                let topic: String = row["topic"]
                let entries = try scheduleEntries(instance: instance, topic: topic, in: db)
                let totals = try Row.fetchOne(db, sql: """
                    SELECT COUNT(DISTINCT window_start) AS windows, COUNT(*) AS files, COALESCE(SUM(message_count), 0) AS messages,
                           COALESCE(SUM(skipped_count), 0) AS skipped, COALESCE(SUM(input_size), 0) AS input_bytes,
                           COALESCE(SUM(size), 0) AS bytes, MAX(window_end) AS last_window_end
                    FROM window_files WHERE instance = ? AND topic = ?
                    """, arguments: [instance, topic])!
                let since = entries.last!.since
                return WindowStatistics(
                    instance: instance, topic: topic, settings: entries.last!.settings,
                    settingsSince: since == .min ? nil : since, windows: totals["windows"], files: totals["files"],
                    messages: totals["messages"], skipped: totals["skipped"], inputBytes: totals["input_bytes"],
                    bytes: totals["bytes"], lastWindowEnd: totals["last_window_end"])
            }
        }
    }
}

// Decoded by column name; internal, so that GRDB stays out of the library's interface.
extension PartitionStatistics {
    init(row: Row) {
        self.init(
            instance: row["instance"], topic: row["topic"], partition: row["partition"], position: row["position"],
            messages: row["messages"], bytes: row["bytes"], segments: row["segments"], firstOffset: row["first_offset"],
            lastOffset: row["last_offset"], minTimestamp: row["min_timestamp"], maxTimestamp: row["max_timestamp"],
            worker: row["worker"])
    }
}

extension UploadStatistics {
    init(row: Row) {
        self.init(
            target: row["uri"], keyTemplate: row["key_template"], continuous: row["continuous"], uploaded: row["uploaded"],
            uploadedBytes: row["uploaded_bytes"], failed: row["failed"], pending: row["pending"],
            oldestPending: row["oldest_pending"], lastError: row["last_error"])
    }
}
