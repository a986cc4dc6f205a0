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

    /// Offset ranges of the partition's segments that retention deleted, meeting `offsets`.
    func deletedSegments(of key: PartitionKey, meeting offsets: ClosedRange<Int64>) throws -> [ClosedRange<Int64>] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT first_offset, last_offset FROM deleted_segments
                WHERE instance = ? AND topic = ? AND partition = ? AND first_offset <= ? AND last_offset >= ?
                ORDER BY first_offset
                """, arguments: [key.instance, key.topic, key.partition, offsets.upperBound, offsets.lowerBound]
            ).map { ($0["first_offset"] as Int64)...($0["last_offset"] as Int64) }
        }
    }

    /// Offsets in `offsets` that window files (on disk or not) hold of the partition beyond
    /// the span its segment blocks cover, as the lowest and highest such: a restored archive
    /// has windows and no segments, and retention before schema 0006 left no record.
    func windowOffsetsPastSegments(of key: PartitionKey, meeting offsets: ClosedRange<Int64>) throws -> ClosedRange<Int64>? {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT MIN(first_offset) FROM blocks WHERE instance = ?1 AND topic = ?2 AND partition = ?3) AS blocks_first,
                       (SELECT MAX(last_offset) FROM blocks WHERE instance = ?1 AND topic = ?2 AND partition = ?3) AS blocks_last,
                       MIN(MAX(wp.first_offset, ?4)) AS windows_first, MAX(MIN(wp.last_offset, ?5)) AS windows_last
                FROM window_files f JOIN window_partitions wp ON wp.file_id = f.id
                WHERE f.instance = ?1 AND f.topic = ?2 AND wp.partition = ?3 AND wp.first_offset <= ?5 AND wp.last_offset >= ?4
                """, arguments: [key.instance, key.topic, key.partition, offsets.lowerBound, offsets.upperBound])
            guard let row, let windowsFirst = row["windows_first"] as Int64?, let windowsLast = row["windows_last"] as Int64? else { return nil }
            guard let blocksFirst = row["blocks_first"] as Int64?, let blocksLast = row["blocks_last"] as Int64? else {
                return windowsFirst...windowsLast
            }
            if windowsFirst < blocksFirst { return windowsFirst...min(windowsLast, blocksFirst - 1) }
            if windowsLast > blocksLast { return max(windowsFirst, blocksLast + 1)...windowsLast }
            return nil
        }
    }

    /// Windows with messages in `range` (and `partitions`) that a query reads from segments
    /// alone, because local retention deleted one of their files, and whose segments no
    /// longer hold all of those messages: segments retention deleted (recorded since
    /// schema 0006), or, for deletions older than the record, offsets below the partition's
    /// first block. Returns the deleted files of each such window, with their copies.
    func remoteOnlyWindows(
        instance: String, topic: String, range: Range<Int64>, partitions: Set<Int32>?, maxFileID: Int64, in db: Database
    ) throws -> [RemoteOnlyWindow] {
        guard !range.isEmpty else { return [] }
        var starts: Set<Int64> = []
        for row in try Row.fetchAll(db, sql: """
            SELECT f.window_start, wp.partition FROM window_files f
            JOIN window_partitions wp ON wp.file_id = f.id
            WHERE f.instance = ?1 AND f.topic = ?2 AND f.id <= ?5
              AND EXISTS (SELECT 1 FROM window_files d WHERE d.instance = f.instance AND d.topic = f.topic
                  AND d.window_start = f.window_start AND d.local_deleted_at IS NOT NULL AND d.id <= ?5)
              AND f.max_timestamp >= ?3 AND f.min_timestamp < ?4
              AND (EXISTS (SELECT 1 FROM deleted_segments s
                      WHERE s.instance = f.instance AND s.topic = f.topic AND s.partition = wp.partition
                        AND s.first_offset <= wp.last_offset AND s.last_offset >= wp.first_offset
                        AND s.max_timestamp >= MAX(?3, f.min_timestamp) AND s.min_timestamp < ?4
                        AND s.min_timestamp <= f.max_timestamp)
                   OR NOT EXISTS (SELECT 1 FROM blocks b
                      WHERE b.instance = f.instance AND b.topic = f.topic AND b.partition = wp.partition
                        AND b.first_offset <= wp.first_offset))
            """, arguments: [instance, topic, range.lowerBound, range.upperBound, maxFileID]) {
            let partition: Int32 = row["partition"]
            guard partitions?.contains(partition) ?? true else { continue }
            starts.insert(row["window_start"])
        }
        var windows: [RemoteOnlyWindow] = []
        for start in starts.sorted() {
            for file in try Row.fetchAll(db, sql: """
                SELECT id, path, window_start, window_end FROM window_files
                WHERE instance = ? AND topic = ? AND window_start = ? AND local_deleted_at IS NOT NULL AND id <= ?
                ORDER BY IFNULL(split_partition, -1), part
                """, arguments: [instance, topic, start, maxFileID]) {
                let copies = try Row.fetchAll(db, sql: """
                    SELECT t.uri, u.key FROM window_uploads u JOIN upload_targets t ON t.id = u.target_id
                    WHERE u.file_id = ? AND u.state = '\(UploadState.uploaded.rawValue)' ORDER BY t.uri
                    """, arguments: [file["id"] as Int64]
                ).map { RemoteOnlyWindow.UploadedCopy(target: $0["uri"], key: $0["key"]) }
                windows.append(RemoteOnlyWindow(
                    path: file["path"], windowStart: file["window_start"], windowEnd: file["window_end"], copies: copies))
            }
        }
        return windows
    }
}
