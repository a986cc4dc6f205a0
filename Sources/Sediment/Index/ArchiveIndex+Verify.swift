import GRDB

/// One partition as `verify` walks it: its segments with their committed sizes, its
/// position, and the offset ranges of the segments retention deleted, read together.
struct VerifyPartition: Sendable {
    var key: PartitionKey
    var nextOffset: Int64
    var segments: [SegmentRow]
    var deletedSegments: [DeletedSegmentRow]
    /// What the broker deleted before the archive read it.
    var unavailable: [UnavailableOffsets] = []
}

/// A segment retention deleted (`deleted_segments`): what it held.
struct DeletedSegmentRow: Sendable, Hashable {
    var baseOffset: Int64
    var firstOffset: Int64
    var lastOffset: Int64
}

/// A window file a target confirmed, with what the target's row recorded of it.
struct UploadedWindow: Sendable {
    var file: WindowFile
    var key: String
    var etag: String?
    /// Nil until the target confirmed the manifest.
    var manifestETag: String?
}

/// What `verify` reads of the index. Every read is its own snapshot; the verifier holds a
/// `ReaderLease`, so retention deletes nothing it was told about while it runs.
extension ArchiveIndex {
    /// Every partition, each read in one transaction.
    func verifyPartitions() throws -> [VerifyPartition] {
        let unavailable = try unavailableOffsets()
        return try partitions().map { row in
            try read { db in
                let deleted = try Row.fetchAll(db, sql: """
                    SELECT base_offset, first_offset, last_offset FROM deleted_segments
                    WHERE instance = ? AND topic = ? AND partition = ? ORDER BY first_offset
                    """, arguments: [row.key.instance, row.key.topic, row.key.partition]
                ).map { DeletedSegmentRow(baseOffset: $0["base_offset"], firstOffset: $0["first_offset"], lastOffset: $0["last_offset"]) }
                // The position from the same snapshot as the segment sizes: a gap before it
                // is then never offsets a writer committed since.
                let next = try Int64.fetchOne(db, sql: "SELECT next_offset FROM partitions WHERE id = ?", arguments: [row.id])
                return VerifyPartition(
                    key: row.key, nextOffset: next ?? row.nextOffset, segments: try segments(partitionID: row.id, in: db),
                    deletedSegments: deleted, unavailable: unavailable[row.key] ?? [])
            }
        }
    }

    /// The blocks of one segment that start below `size` (its committed size when the
    /// partition was read: a writer may have committed more since), in byte order.
    func verifyBlocks(of key: PartitionKey, segmentBase: Int64, below size: Int64) throws -> [BlockRow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(BlockRow.columns) FROM blocks
                WHERE instance = ? AND topic = ? AND partition = ? AND segment_base = ? AND position < ?
                ORDER BY position, first_offset
                """, arguments: [key.instance, key.topic, key.partition, segmentBase, size]
            ).map(BlockRow.init(row:))
        }
    }

    /// The gzip members of one window file, in file order.
    func members(ofFile fileID: Int64) throws -> [MemberRow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT file_id, ordinal, min_timestamp, max_timestamp, position, length, input_size, message_count
                FROM window_members WHERE file_id = ? ORDER BY ordinal
                """, arguments: [fileID]
            ).map { row in
                MemberRow(
                    fileID: row["file_id"], ordinal: row["ordinal"], minTimestamp: row["min_timestamp"],
                    maxTimestamp: row["max_timestamp"], position: row["position"], length: row["length"],
                    inputSize: row["input_size"], count: row["message_count"])
            }
        }
    }

    /// The URIs of the recorded upload targets, with their ids.
    func uploadTargets() throws -> [(id: Int64, uri: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, uri FROM upload_targets ORDER BY uri").map { ($0["id"], $0["uri"]) }
        }
    }

    /// The window files the target confirmed, in (instance, topic, window, part) order.
    func uploadedWindows(targetID: Int64) throws -> [UploadedWindow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(WindowFile.columns(of: "f")), u.key AS upload_key, u.etag AS upload_etag, u.manifest_etag
                FROM window_uploads u JOIN window_files f ON f.id = u.file_id
                WHERE u.target_id = ? AND u.state = '\(UploadState.uploaded.rawValue)'
                ORDER BY f.instance, f.topic, f.window_start, f.part
                """, arguments: [targetID]
            ).map { row in
                UploadedWindow(file: try WindowFile(row: row), key: row["upload_key"], etag: row["upload_etag"], manifestETag: row["manifest_etag"])
            }
        }
    }
}
