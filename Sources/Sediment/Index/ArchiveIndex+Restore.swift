import GRDB

/// What `restore` asks of the index: which windows it already holds, and recording the
/// windows brought back from a bucket.
extension ArchiveIndex {
    /// A file of a window as the index holds it.
    struct HeldWindowFile: Sendable, Hashable {
        var id: Int64
        var splitPartition: Int32?
        var part: Int
        var path: String
        var sha256: String
        var locallyDeleted: Bool
    }

    /// The files the index holds of one window, by series (split partition) and part.
    func heldFiles(instance: String, topic: String, windowStart: Int64) throws -> [HeldWindowFile] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, split_partition, part, path, sha256, local_deleted_at FROM window_files
                WHERE instance = ? AND topic = ? AND window_start = ? ORDER BY IFNULL(split_partition, -1), part
                """, arguments: [instance, topic, windowStart]
            ).map { row in
                HeldWindowFile(
                    id: row["id"], splitPartition: row["split_partition"], part: row["part"], path: row["path"],
                    sha256: row["sha256"], locallyDeleted: (row["local_deleted_at"] as Int64?) != nil)
            }
        }
    }

    /// Records a restored window's files, all or none, under settings that place them:
    /// the topic's own when they cut the window the same way, else new settings from the
    /// window's start when nothing later is recorded (the settings changed in the source
    /// too), else the window is refused. So is a window that would hide messages the
    /// segments hold: its files claim (`covered_end`) every message of the window below
    /// their last offset, which must not include messages only a segment holds.
    func recordRestored(_ files: [WindowFileRecord], level: Int, windowTime: WindowSettings.WindowTime, now: Int64) throws {
        guard let first = files.first else { return }
        try write { db in
            let span = first.windowEnd - first.windowStart
            let aligned = span >= 60_000 && span % 60_000 == 0 && UTCDate.floorDivide(first.windowStart, span) * span == first.windowStart
            var settings = WindowSettings()
            settings.granularity = span
            settings.format = first.format
            settings.compression = first.compression
            settings.compressionLevel = level
            settings.windowTime = windowTime
            settings.split = first.splitPartition == nil ? .none : .partition
            if let schedule = try schedule(instance: first.instance, topic: first.topic, in: db) {
                let window = schedule.window(containing: first.windowStart)
                let fits = window.start == first.windowStart && window.end == first.windowEnd
                    && window.settings.format == first.format && window.settings.windowTime == windowTime
                if !fits {
                    let last = try lastWindowEnd(instance: first.instance, topic: first.topic, in: db) ?? Int64.min
                    guard aligned, first.windowStart >= last else {
                        throw SedimentError(
                            .invalidInput,
                            "window \(first.path) (\(windowTime.rawValue) time [\(first.windowStart), \(first.windowEnd))) does not match the archive's windows of "
                                + "topic '\(first.topic)' (\(window.settings.windowTime.rawValue) time, \(window.settings.format.rawValue) [\(window.start), \(window.end))); restore it into another archive",
                            context: ["path": first.path])
                    }
                    try insertSettings(settings, since: first.windowStart, instance: first.instance, topic: first.topic, at: now, in: db)
                }
            } else {
                guard aligned else {
                    throw SedimentError(
                        .invalidInput,
                        "window \(first.path) [\(first.windowStart), \(first.windowEnd)) is not a whole aligned window, so no settings of this archive can hold it",
                        context: ["path": first.path])
                }
                try insertSettings(settings, since: Int64.min, instance: first.instance, topic: first.topic, at: now, in: db)
            }
            for file in files {
                for partition in file.partitions {
                    try refuseHidingSegments(file, partition, windowTime: windowTime, in: db)
                }
                _ = try insert(file, in: db)
            }
        }
    }

    /// Throws when a segment block of the partition may hold a message of the window below
    /// the file's first offset (by time: the window's range of message or ingest time).
    private func refuseHidingSegments(
        _ file: WindowFileRecord, _ partition: WindowPartitionRow, windowTime: WindowSettings.WindowTime, in db: Database
    ) throws {
        let timeTest = windowTime == .ingest
            ? "ingested_at >= ?4 AND ingested_at < ?5"
            : "max_timestamp >= ?4 AND min_timestamp < ?5"
        guard let below = try Int64.fetchOne(db, sql: """
            SELECT MIN(first_offset) FROM blocks
            WHERE instance = ?1 AND topic = ?2 AND partition = ?3 AND first_offset < ?6 AND \(timeTest)
            """, arguments: [file.instance, file.topic, partition.partition, file.windowStart, file.windowEnd, partition.firstOffset])
        else { return }
        throw SedimentError(
            .invalidInput,
            "window \(file.path): the archive's segments hold messages of partition \(partition.partition) in this window from offset \(below), "
                + "below the restored file's \(partition.firstOffset); recording the file would hide them. Restore it into another archive",
            context: ["path": file.path, "partition": "\(partition.partition)"])
    }

    /// A locally deleted file is back on disk, checked against its SHA-256.
    func clearLocalDeletion(fileID: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE window_files SET local_deleted_at = NULL WHERE id = ?", arguments: [fileID])
        }
    }
}
