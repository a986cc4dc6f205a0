import GRDB

/// A window file a query reads beside a bucket: of a window some of whose files local
/// retention deleted, with its members that meet the range and where it was uploaded.
struct TierFileRow: Sendable {
    var id: Int64
    var path: String
    var compression: WindowCompression
    var sha256: String
    var windowStart: Int64
    var locallyDeleted: Bool
    /// (target URI, key) of each confirmed upload.
    var copies: [(uri: String, key: String)]
    var members: [MemberRow]
    /// No segment holds any offset of the window's files, and no two of its files share one.
    var exclusive: Bool
}

/// What a query reading the bucket asks of the index.
extension ArchiveIndex {
    /// Every file (up to `maxFileID`) of the windows starting at `windowStarts`, with the
    /// members that may hold timestamps in `range`.
    func tierFiles(
        instance: String, topic: String, windowStarts: [Int64], range: Range<Int64>, maxMemberSpan: Int64, maxFileID: Int64
    ) throws -> [TierFileRow] {
        let (lowest, overflow) = range.lowerBound.subtractingReportingOverflow(maxMemberSpan)
        return try read { db in
            var rows: [TierFileRow] = []
            for start in windowStarts {
                // No segment holds an offset of its files, and no two of its files share one
                // (restored from two workers' objects, say).
                let exclusive = try !Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM window_files f JOIN window_partitions wp ON wp.file_id = f.id
                        JOIN blocks b ON b.instance = f.instance AND b.topic = f.topic AND b.partition = wp.partition
                          AND b.first_offset <= wp.last_offset AND b.last_offset >= wp.first_offset
                        WHERE f.instance = ?1 AND f.topic = ?2 AND f.window_start = ?3 AND f.id <= ?4)
                    OR EXISTS (SELECT 1 FROM window_files f JOIN window_partitions a ON a.file_id = f.id
                        JOIN window_files g ON g.instance = f.instance AND g.topic = f.topic AND g.window_start = f.window_start AND g.id > f.id
                        JOIN window_partitions b ON b.file_id = g.id AND b.partition = a.partition
                          AND a.first_offset <= b.last_offset AND b.first_offset <= a.last_offset
                        WHERE f.instance = ?1 AND f.topic = ?2 AND f.window_start = ?3 AND f.id <= ?4 AND g.id <= ?4)
                    """, arguments: [instance, topic, start, maxFileID])!
                for file in try Row.fetchAll(db, sql: """
                    SELECT id, path, compression, sha256, local_deleted_at FROM window_files
                    WHERE instance = ? AND topic = ? AND window_start = ? AND id <= ? AND format = 'jsonl' ORDER BY IFNULL(split_partition, -1), part
                    """, arguments: [instance, topic, start, maxFileID]) {
                    let id: Int64 = file["id"]
                    let copies = try Row.fetchAll(db, sql: """
                        SELECT t.uri, u.key FROM window_uploads u JOIN upload_targets t ON t.id = u.target_id
                        WHERE u.file_id = ? AND u.state = '\(UploadState.uploaded.rawValue)' ORDER BY t.continuous DESC, t.id
                        """, arguments: [id]
                    ).map { (uri: $0["uri"] as String, key: $0["key"] as String) }
                    let members = try Row.fetchAll(db, sql: """
                        SELECT ordinal, min_timestamp, max_timestamp, position, length, input_size, message_count
                        FROM window_members WHERE instance = ? AND topic = ? AND min_timestamp >= ? AND min_timestamp < ?
                          AND file_id = ? AND max_timestamp >= ? ORDER BY ordinal
                        """, arguments: [instance, topic, overflow ? Int64.min : lowest, range.upperBound, id, range.lowerBound]
                    ).map {
                        MemberRow(
                            fileID: id, ordinal: $0["ordinal"], minTimestamp: $0["min_timestamp"], maxTimestamp: $0["max_timestamp"],
                            position: $0["position"], length: $0["length"], inputSize: $0["input_size"], count: $0["message_count"])
                    }
                    rows.append(TierFileRow(
                        id: id, path: file["path"], compression: try file.named("compression", in: "window_files", row: "\(id) (\(file["path"] as String))"), sha256: file["sha256"], windowStart: start, locallyDeleted: (file["local_deleted_at"] as Int64?) != nil,
                        copies: copies, members: members, exclusive: exclusive))
                }
            }
            return rows
        }
    }

    /// Whether a segment block or any window file of the index holds an offset of these
    /// partition ranges: a bucket window that meets none has nothing another tier holds.
    func holdsAnyOffset(instance: String, topic: String, of partitions: [(partition: Int32, first: Int64, last: Int64)]) throws -> Bool {
        try read { db in
            for range in partitions {
                let held = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM blocks WHERE instance = ?1 AND topic = ?2 AND partition = ?3
                                     AND first_offset <= ?5 AND last_offset >= ?4)
                        OR EXISTS (SELECT 1 FROM window_files f JOIN window_partitions wp ON wp.file_id = f.id
                                   WHERE f.instance = ?1 AND f.topic = ?2 AND wp.partition = ?3
                                     AND wp.first_offset <= ?5 AND wp.last_offset >= ?4)
                    """, arguments: [instance, topic, range.partition, range.first, range.last])!
                if held { return true }
            }
            return false
        }
    }

    /// Whether a file on disk of the window holds exactly these bytes.
    func holdsLocalFile(instance: String, topic: String, windowStart: Int64, sha256: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM window_files WHERE instance = ? AND topic = ? AND window_start = ?
                                 AND sha256 = ? AND local_deleted_at IS NULL)
                """, arguments: [instance, topic, windowStart, sha256])!
        }
    }
}
