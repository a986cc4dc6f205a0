import GRDB

/// What a window's manifest is made of, read in one transaction.
extension ArchiveIndex {
    func manifest(of file: WindowFile) throws -> WindowManifest {
        try read { db in
            let partitions = try Row.fetchAll(db, sql: """
                SELECT partition, first_offset, last_offset, message_count FROM window_partitions
                WHERE file_id = ? ORDER BY partition
                """, arguments: [file.id]
            ).map {
                WindowManifest.Partition(
                    partition: $0["partition"], firstOffset: $0["first_offset"], lastOffset: $0["last_offset"],
                    count: $0["message_count"])
            }
            let members = try Row.fetchAll(db, sql: """
                SELECT position, length, min_timestamp, max_timestamp, message_count, input_size FROM window_members
                WHERE file_id = ? ORDER BY ordinal
                """, arguments: [file.id]
            ).map {
                WindowManifest.Member(
                    offset: $0["position"], length: $0["length"], minTimestamp: $0["min_timestamp"],
                    maxTimestamp: $0["max_timestamp"], count: $0["message_count"], inputSize: $0["input_size"])
            }
            let settings = try schedule(instance: file.instance, topic: file.topic, in: db)?
                .window(containing: file.windowStart).settings ?? WindowSettings()
            return WindowManifest(
                instance: file.instance, topic: file.topic, windowStart: file.windowStart, windowEnd: file.windowEnd,
                part: file.part, format: file.format.rawValue, windowTime: settings.windowTime.rawValue, compression: file.compression,
                level: settings.compressionLevel, count: file.count, minTimestamp: file.minTimestamp,
                maxTimestamp: file.maxTimestamp, partitions: partitions, partition: file.splitPartition, size: file.size, md5: file.md5,
                sha256: file.sha256, members: members)
        }
    }

    /// Records that the target holds the file's manifest.
    func setManifestUploaded(fileID: Int64, targetID: Int64, etag: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE window_uploads SET manifest_etag = ? WHERE file_id = ? AND target_id = ?",
                arguments: [etag, fileID, targetID])
        }
    }
}
