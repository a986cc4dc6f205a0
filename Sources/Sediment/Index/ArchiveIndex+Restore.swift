import GRDB

/// What `restore` asks of the index: which windows it already holds, and recording the
/// windows brought back from a bucket.
extension ArchiveIndex {
    /// A file of a window as the index holds it.
    struct HeldWindowFile: Sendable, Hashable {
        var id: Int64
        var part: Int
        var path: String
        var sha256: String
        var locallyDeleted: Bool
    }

    /// The files the index holds of one window, by part.
    func heldFiles(instance: String, topic: String, windowStart: Int64) throws -> [Int: HeldWindowFile] {
        try read { db in
            var held: [Int: HeldWindowFile] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT id, part, path, sha256, local_deleted_at FROM window_files
                WHERE instance = ? AND topic = ? AND window_start = ?
                """, arguments: [instance, topic, windowStart]) {
                held[row["part"]] = HeldWindowFile(
                    id: row["id"], part: row["part"], path: row["path"], sha256: row["sha256"],
                    locallyDeleted: (row["local_deleted_at"] as Int64?) != nil)
            }
            return held
        }
    }

    /// Records a restored window's files, all or none, under settings that place them:
    /// the topic's own when it has some (a window they would cut differently is refused),
    /// otherwise settings made from the window, as its archive had them.
    func recordRestored(_ files: [WindowFileRecord], level: Int, now: Int64) throws {
        guard let first = files.first else { return }
        try write { db in
            let span = first.windowEnd - first.windowStart
            if let schedule = try schedule(instance: first.instance, topic: first.topic, in: db) {
                let window = schedule.window(containing: first.windowStart)
                guard window.start == first.windowStart, window.end == first.windowEnd, window.settings.format == first.format else {
                    throw SedimentError(
                        .invalidInput,
                        "window \(first.path) [\(first.windowStart), \(first.windowEnd)) does not match the archive's windows of "
                            + "topic '\(first.topic)' (\(window.settings.format.rawValue) [\(window.start), \(window.end))); restore it into another archive",
                        context: ["path": first.path])
                }
            } else {
                guard span >= 60_000, span % 60_000 == 0, UTCDate.floorDivide(first.windowStart, span) * span == first.windowStart else {
                    throw SedimentError(
                        .invalidInput,
                        "window \(first.path) [\(first.windowStart), \(first.windowEnd)) is not a whole aligned window, so no settings of this archive can hold it",
                        context: ["path": first.path])
                }
                var settings = WindowSettings()
                settings.granularity = span
                settings.format = first.format
                settings.compressionLevel = level
                try insertSettings(settings, since: Int64.min, instance: first.instance, topic: first.topic, at: now, in: db)
            }
            for file in files { _ = try insert(file, in: db) }
        }
    }

    /// A locally deleted file is back on disk, checked against its SHA-256.
    func clearLocalDeletion(fileID: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE window_files SET local_deleted_at = NULL WHERE id = ?", arguments: [fileID])
        }
    }
}
