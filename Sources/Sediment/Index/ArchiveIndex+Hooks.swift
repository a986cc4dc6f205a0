import GRDB

/// A window file whose hook has not succeeded, with what its run needs.
struct HookCandidate: Sendable {
    var file: WindowFile
    /// nil when the hook was never tried for the file.
    var state: HookState?
    var attempts: Int
    var failures: Int
    /// Milliseconds; a pending file waits until then.
    var nextAttemptAt: Int64
    /// The file's upload to the hook's target, once tried there.
    var upload: Upload?

    struct Upload: Sendable {
        var state: UploadState
        /// Relative to the target's prefix.
        var key: String
        var hasManifest: Bool
    }
}

/// The hook side of the index (Schema/0009_window_hooks.sql): each window file's hook
/// state, moved by `WindowHookRunner`, the only writer.
extension ArchiveIndex {
    /// Window files on disk whose hook is not done nor failed, of one instance and topic or
    /// all, in (instance, topic, window start, part) order; with their upload to
    /// `targetID` (nil: none is waited for).
    func hookCandidates(targetID: Int64?, instance: String?, topic: String?) throws -> [HookCandidate] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(WindowFile.columns(of: "f")),
                       h.state AS hook_state, h.attempts AS hook_attempts, h.failures AS hook_failures, h.next_attempt_at,
                       u.state AS upload_state, u.key AS upload_key, u.manifest_etag
                FROM window_files f
                LEFT JOIN window_hooks h ON h.file_id = f.id
                LEFT JOIN window_uploads u ON u.file_id = f.id AND u.target_id = ?1
                WHERE f.local_deleted_at IS NULL
                  AND (h.state IS NULL OR h.state IN ('\(HookState.pending.rawValue)', '\(HookState.running.rawValue)'))
                  AND (?2 IS NULL OR f.instance = ?2) AND (?3 IS NULL OR f.topic = ?3)
                ORDER BY f.instance, f.topic, f.window_start, f.part
                """, arguments: [targetID, instance, topic]
            ).map { row in
                var upload: HookCandidate.Upload?
                if let state = (row["upload_state"] as String?).flatMap(UploadState.init(rawValue:)) {
                    upload = .init(state: state, key: row["upload_key"], hasManifest: (row["manifest_etag"] as String?) != nil)
                }
                return HookCandidate(
                    file: try WindowFile(row: row), state: (row["hook_state"] as String?).flatMap(HookState.init(rawValue:)),
                    attempts: row["hook_attempts"] ?? 0, failures: row["hook_failures"] ?? 0,
                    nextAttemptAt: row["next_attempt_at"] ?? 0, upload: upload)
            }
        }
    }

    /// Gives every failed hook a new series of retries: what a process with a hook does
    /// once, as it starts.
    func retryFailedHooks(at now: Int64) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE window_hooks SET state = '\(HookState.pending.rawValue)', failures = 0, next_attempt_at = 0, updated_at = ?
                WHERE state = '\(HookState.failed.rawValue)'
                """, arguments: [now])
        }
    }

    /// Records that the hook starts for the file; returns the attempt number, counting
    /// every attempt of every process (1 for the first).
    func hookStarted(fileID: Int64, at now: Int64) throws -> Int {
        try write { db in
            try db.execute(sql: """
                INSERT INTO window_hooks (file_id, state, attempts, failures, next_attempt_at, started_at, updated_at)
                VALUES (?1, '\(HookState.running.rawValue)', 1, 0, 0, ?2, ?2)
                ON CONFLICT (file_id) DO UPDATE SET
                    state = excluded.state, attempts = attempts + 1, started_at = excluded.started_at, updated_at = excluded.updated_at
                """, arguments: [fileID, now])
            return try Int.fetchOne(db, sql: "SELECT attempts FROM window_hooks WHERE file_id = ?", arguments: [fileID])!
        }
    }

    func hookDone(fileID: Int64, at now: Int64) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE window_hooks SET state = '\(HookState.done.rawValue)', failures = 0, last_error = NULL, done_at = ?2, updated_at = ?2
                WHERE file_id = ?1
                """, arguments: [fileID, now])
        }
    }

    /// Records a failed run: pending again until `retryAt`, or failed when nil.
    func hookFailed(fileID: Int64, error: String, retryAt: Int64?, at now: Int64) throws {
        let state = retryAt == nil ? HookState.failed : .pending
        try write { db in
            try db.execute(sql: """
                UPDATE window_hooks SET state = ?2, failures = failures + 1, last_error = ?3, next_attempt_at = ?4, updated_at = ?5
                WHERE file_id = ?1
                """, arguments: [fileID, state.rawValue, error, retryAt ?? 0, now])
        }
    }

    /// Records a run stopped by a graceful shutdown: pending, for the next process, with
    /// the attempt counted and no failure.
    func hookInterrupted(fileID: Int64, at now: Int64) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE window_hooks SET state = '\(HookState.pending.rawValue)', next_attempt_at = 0, updated_at = ?2
                WHERE file_id = ?1
                """, arguments: [fileID, now])
        }
    }

    /// Per topic with window files: the hook's done, pending and failed counts, and the
    /// last failure. Empty while no hook has ever run on the archive.
    func hookStatistics() throws -> [HookStatistics] {
        let (done, failed) = (HookState.done.rawValue, HookState.failed.rawValue)
        return try read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM window_hooks)") == true else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT f.instance, f.topic,
                       COUNT(CASE WHEN h.state = '\(done)' THEN 1 END) AS done,
                       COUNT(CASE WHEN h.state = '\(failed)' THEN 1 END) AS failed,
                       COUNT(CASE WHEN f.local_deleted_at IS NULL AND (h.state IS NULL OR h.state NOT IN ('\(done)', '\(failed)'))
                             THEN 1 END) AS pending,
                       (SELECT h2.last_error FROM window_hooks h2 JOIN window_files f2 ON f2.id = h2.file_id
                          WHERE f2.instance = f.instance AND f2.topic = f.topic AND h2.state = '\(failed)'
                          ORDER BY h2.updated_at DESC LIMIT 1) AS last_error,
                       (SELECT f2.path FROM window_hooks h2 JOIN window_files f2 ON f2.id = h2.file_id
                          WHERE f2.instance = f.instance AND f2.topic = f.topic AND h2.state = '\(failed)'
                          ORDER BY h2.updated_at DESC LIMIT 1) AS last_failed_window
                FROM window_files f LEFT JOIN window_hooks h ON h.file_id = f.id
                GROUP BY f.instance, f.topic
                ORDER BY f.instance, f.topic
                """
            ).map { row in
                HookStatistics(
                    instance: row["instance"], topic: row["topic"], done: row["done"], pending: row["pending"],
                    failed: row["failed"], lastError: row["last_error"], lastFailedWindow: row["last_failed_window"])
            }
        }
    }
}
