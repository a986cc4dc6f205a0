import GRDB

/// A window file local retention deleted, whose messages are no longer in any local
/// segment either: only its target holds them now.
public struct RemoteOnlyWindow: Sendable, Hashable {
    /// Relative to the archive, as it was: `windows/<instance>/<topic>/<date>/...`.
    public var path: String
    public var windowStart: Int64
    public var windowEnd: Int64
    /// Where it was confirmed: (target URI, key).
    public var copies: [UploadedCopy]

    public struct UploadedCopy: Sendable, Hashable {
        public var target: String
        public var key: String
    }
}

/// What a query needs to know about windows that local retention deleted.
extension ArchiveIndex {
    /// Window-time ranges of the windows with a file deleted locally (files up to
    /// `maxFileID`), merged and in order. A query reads such a window from segments alone:
    /// the files left of it no longer hold all of what coverage says they do.
    func locallyDeletedWindows(instance: String, topic: String, maxFileID: Int64, in db: Database) throws -> [Range<Int64>] {
        var merged: [Range<Int64>] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT DISTINCT window_start, window_end FROM window_files
            WHERE instance = ? AND topic = ? AND local_deleted_at IS NOT NULL AND id <= ?
            ORDER BY window_start
            """, arguments: [instance, topic, maxFileID]) {
            let window: Range<Int64> = (row["window_start"] as Int64)..<(row["window_end"] as Int64)
            if let last = merged.last, last.upperBound >= window.lowerBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, window.upperBound)
            } else {
                merged.append(window)
            }
        }
        return merged
    }

    /// Deleted window files with messages in `range` (and `partitions`) whose segments
    /// retention deleted too: the archive cannot serve those messages locally.
    func remoteOnlyWindows(
        instance: String, topic: String, range: Range<Int64>, partitions: Set<Int32>?, maxFileID: Int64, in db: Database
    ) throws -> [RemoteOnlyWindow] {
        guard !range.isEmpty else { return [] }
        var found: [Int64: RemoteOnlyWindow] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT f.id, f.path, f.window_start, f.window_end, wp.partition FROM window_files f
            JOIN window_partitions wp ON wp.file_id = f.id
            WHERE f.instance = ?1 AND f.topic = ?2 AND f.local_deleted_at IS NOT NULL AND f.id <= ?5
              AND f.max_timestamp >= ?3 AND f.min_timestamp < ?4
              AND EXISTS (SELECT 1 FROM deleted_segments s
                  WHERE s.instance = f.instance AND s.topic = f.topic AND s.partition = wp.partition
                    AND s.first_offset <= wp.last_offset AND s.last_offset >= wp.first_offset
                    AND s.max_timestamp >= MAX(?3, f.min_timestamp) AND s.min_timestamp < ?4
                    AND s.min_timestamp <= f.max_timestamp)
            ORDER BY f.window_start, f.part
            """, arguments: [instance, topic, range.lowerBound, range.upperBound, maxFileID]) {
            let partition: Int32 = row["partition"]
            guard partitions?.contains(partition) ?? true else { continue }
            let id: Int64 = row["id"]
            if found[id] == nil {
                found[id] = RemoteOnlyWindow(path: row["path"], windowStart: row["window_start"], windowEnd: row["window_end"], copies: [])
            }
        }
        for id in found.keys {
            found[id]?.copies = try Row.fetchAll(db, sql: """
                SELECT t.uri, u.key FROM window_uploads u JOIN upload_targets t ON t.id = u.target_id
                WHERE u.file_id = ? AND u.state = '\(UploadState.uploaded.rawValue)' ORDER BY t.uri
                """, arguments: [id]
            ).map { RemoteOnlyWindow.UploadedCopy(target: $0["uri"], key: $0["key"]) }
        }
        return found.values.sorted { ($0.windowStart, $0.path) < ($1.windowStart, $1.path) }
    }
}
