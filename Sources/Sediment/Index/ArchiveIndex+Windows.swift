import GRDB

/// The compaction side of the index: settings, window files, members and coverage.
extension ArchiveIndex {
    func scheduleEntries(instance: String, topic: String, in db: Database) throws -> [WindowSchedule.Entry] {
        try Row.fetchAll(db, sql: """
            SELECT since, granularity, format, compression, compression_level, max_file_size, grace, window_time, invalid_utf8, split
            FROM window_settings WHERE instance = ? AND topic = ? ORDER BY since
            """, arguments: [instance, topic]
        ).map { row in
            var settings = WindowSettings()
            // Named only for an error: not formatted for every row read.
            let name = { "of \(instance)/\(topic) from " + ((row["since"] as Int64) == .min ? "the first window" : Timestamp.iso8601(milliseconds: row["since"])) }
            settings.granularity = row["granularity"]
            settings.format = try row.named("format", in: "window_settings", row: name())
            settings.compression = try row.named("compression", in: "window_settings", row: name())
            settings.compressionLevel = row["compression_level"]
            settings.maxFileSize = row["max_file_size"]
            settings.grace = row["grace"]
            settings.windowTime = try row.named("window_time", in: "window_settings", row: name())
            settings.invalidUTF8 = try row.named("invalid_utf8", in: "window_settings", row: name())
            settings.split = try row.named("split", in: "window_settings", row: name())
            return WindowSchedule.Entry(since: row["since"], settings: settings)
        }
    }

    func schedule(instance: String, topic: String, in db: Database) throws -> WindowSchedule? {
        let entries = try scheduleEntries(instance: instance, topic: topic, in: db)
        return entries.isEmpty ? nil : WindowSchedule(entries: entries)
    }

    func insertSettings(_ settings: WindowSettings, since: Int64, instance: String, topic: String, at now: Int64, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO window_settings (instance, topic, since, granularity, format, compression, compression_level,
                max_file_size, grace, window_time, invalid_utf8, split, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (instance, topic, since) DO UPDATE SET
                granularity = excluded.granularity, format = excluded.format, compression = excluded.compression,
                compression_level = excluded.compression_level, max_file_size = excluded.max_file_size,
                grace = excluded.grace, window_time = excluded.window_time,
                invalid_utf8 = excluded.invalid_utf8, split = excluded.split, recorded_at = excluded.recorded_at
            """, arguments: [
                instance, topic, since, settings.granularity, settings.format.rawValue, settings.compression.rawValue,
                settings.compressionLevel,
                settings.maxFileSize, settings.grace, settings.windowTime.rawValue, settings.invalidUTF8.rawValue,
                settings.split.rawValue, now,
            ])
    }

    /// The end of the latest window written for the topic, if any.
    func lastWindowEnd(instance: String, topic: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT MAX(window_end) FROM window_files WHERE instance = ? AND topic = ?",
            arguments: [instance, topic])
    }

    func maxFileID(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM window_files") ?? 0
    }

    /// Per file series of a window (its split partition, nil for the series holding every
    /// partition), the highest part written; a series with no file has no entry.
    func highestParts(instance: String, topic: String, windowStart: Int64) throws -> [Int32?: Int] {
        try read { db in
            var parts: [Int32?: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT split_partition, MAX(part) AS part FROM window_files
                WHERE instance = ? AND topic = ? AND window_start = ? GROUP BY split_partition
                """, arguments: [instance, topic, windowStart]) {
                parts[row["split_partition"] as Int32?] = row["part"]
            }
            return parts
        }
    }

    /// Per partition, the offset below which every message of the window is in a file
    /// (files up to `maxFileID` only: a reader's snapshot).
    func coverage(instance: String, topic: String, windowStart: Int64, maxFileID: Int64, in db: Database) throws -> [Int32: Int64] {
        var coverage: [Int32: Int64] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT p.partition, MAX(p.covered_end) AS covered_end FROM window_partitions p JOIN window_files f ON f.id = p.file_id
            WHERE f.instance = ? AND f.topic = ? AND f.window_start = ? AND f.id <= ?
            GROUP BY p.partition
            """, arguments: [instance, topic, windowStart, maxFileID]) {
            coverage[row["partition"]] = row["covered_end"]
        }
        return coverage
    }

    func compactedBelow(instance: String, topic: String, in db: Database) throws -> [Int32: Int64] {
        var positions: [Int32: Int64] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT partition, compacted_below FROM compaction_positions WHERE instance = ? AND topic = ?",
            arguments: [instance, topic]) {
            positions[row["partition"]] = row["compacted_below"]
        }
        return positions
    }

    func setCompactedBelow(_ positions: [Int32: Int64], instance: String, topic: String) throws {
        try write { db in
            for (partition, offset) in positions {
                try db.execute(sql: """
                    INSERT INTO compaction_positions (instance, topic, partition, compacted_below) VALUES (?, ?, ?, ?)
                    ON CONFLICT (instance, topic, partition) DO UPDATE SET
                        compacted_below = MAX(compacted_below, excluded.compacted_below)
                    """, arguments: [instance, topic, partition, offset])
            }
        }
    }

    /// Records the files of one window write, all or none.
    func record(_ files: [WindowFileRecord]) throws {
        try write { db in
            for file in files { _ = try insert(file, in: db) }
        }
    }

    /// Inserts one file with its partitions and members; returns its id.
    func insert(_ file: WindowFileRecord, in db: Database) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO window_files (instance, topic, window_start, window_end, part, path, format, compression,
                message_count, skipped_count, min_timestamp, max_timestamp, input_size, size, md5, sha256, written_at, split_partition)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                file.instance, file.topic, file.windowStart, file.windowEnd, file.part, file.path,
                file.format.rawValue, file.compression.rawValue, file.count, file.skipped, file.minTimestamp, file.maxTimestamp,
                file.inputSize, file.size, file.md5, file.sha256, file.writtenAt, file.splitPartition,
            ])
        let id = db.lastInsertedRowID
        for partition in file.partitions {
            try db.execute(sql: """
                INSERT INTO window_partitions (file_id, partition, first_offset, last_offset, message_count, covered_end)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, partition.partition, partition.firstOffset, partition.lastOffset, partition.count, partition.coveredEnd])
        }
        var widest: Int64 = 0
        for member in file.members {
            widest = max(widest, member.maxTimestamp - member.minTimestamp)
            try db.execute(sql: """
                INSERT INTO window_members (instance, topic, min_timestamp, file_id, ordinal, max_timestamp,
                    position, length, input_size, message_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    file.instance, file.topic, member.minTimestamp, id, member.ordinal, member.maxTimestamp,
                    member.position, member.length, member.inputSize, member.count,
                ])
        }
        try db.execute(sql: """
            INSERT INTO topics (instance, topic, max_block_span, max_member_span) VALUES (?, ?, 0, ?)
            ON CONFLICT (instance, topic) DO UPDATE SET max_member_span = MAX(max_member_span, excluded.max_member_span)
            """, arguments: [file.instance, file.topic, widest])
        return id
    }

    func maxMemberSpan(instance: String, topic: String, in db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT max_member_span FROM topics WHERE instance = ? AND topic = ?",
            arguments: [instance, topic]) ?? 0
    }

    /// One page of the members of jsonl files (up to `maxFileID`, still on disk, of windows
    /// none of whose files local retention deleted: segments serve those) that may hold
    /// timestamps in `range`, in (min_timestamp, file, ordinal) order, after `cursor`.
    func members(
        instance: String, topic: String, range: Range<Int64>, maxMemberSpan: Int64, maxFileID: Int64,
        after cursor: (minTimestamp: Int64, fileID: Int64, ordinal: Int)?, limit: Int
    ) throws -> [LocatedMember] {
        guard !range.isEmpty else { return [] }
        let (difference, overflow) = range.lowerBound.subtractingReportingOverflow(maxMemberSpan)
        let after = cursor ?? (Int64.min, Int64.min, Int.min)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.file_id, m.ordinal, m.min_timestamp, m.max_timestamp, m.position, m.length, m.input_size,
                       m.message_count, f.path, f.compression
                FROM window_members m JOIN window_files f ON f.id = m.file_id
                WHERE m.instance = ? AND m.topic = ? AND m.min_timestamp >= ? AND m.min_timestamp < ?
                  AND m.max_timestamp >= ? AND (m.min_timestamp, m.file_id, m.ordinal) > (?, ?, ?)
                  AND f.id <= ? AND f.format = 'jsonl' AND f.local_deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM window_files d WHERE d.instance = f.instance AND d.topic = f.topic
                      AND d.window_start = f.window_start AND d.local_deleted_at IS NOT NULL AND d.id <= ?)
                ORDER BY m.min_timestamp, m.file_id, m.ordinal
                LIMIT ?
                """, arguments: [
                    instance, topic, overflow ? Int64.min : difference, range.upperBound, range.lowerBound,
                    after.minTimestamp, after.fileID, after.ordinal, maxFileID, maxFileID, limit,
                ]
            ).map { row in
                LocatedMember(
                    member: MemberRow(
                        fileID: row["file_id"], ordinal: row["ordinal"], minTimestamp: row["min_timestamp"],
                        maxTimestamp: row["max_timestamp"], position: row["position"], length: row["length"],
                        inputSize: row["input_size"], count: row["message_count"]),
                    path: row["path"],
                    compression: try row.named("compression", in: "window_files", row: "\(row["file_id"] as Int64) (\(row["path"] as String))"))
            }
        }
    }

    /// Per partition of a topic, the newest block: its highest timestamp and when it was stored.
    func latestBlocks(instance: String, topic: String, in db: Database) throws -> [Int32: (maxTimestamp: Int64, ingestedAt: Int64)] {
        var latest: [Int32: (Int64, Int64)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT b.partition, b.max_timestamp, b.ingested_at FROM partitions p
            JOIN blocks b ON b.instance = p.instance AND b.topic = p.topic AND b.partition = p.partition
              AND b.first_offset = (SELECT MAX(first_offset) FROM blocks
                  WHERE instance = p.instance AND topic = p.topic AND partition = p.partition)
            WHERE p.instance = ? AND p.topic = ?
            """, arguments: [instance, topic]) {
            latest[row["partition"]] = (row["max_timestamp"], row["ingested_at"])
        }
        return latest
    }

    func windowFiles(instance: String? = nil, topic: String? = nil) throws -> [WindowFile] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(WindowFile.columns) FROM window_files
                WHERE (?1 IS NULL OR instance = ?1) AND (?2 IS NULL OR topic = ?2)
                ORDER BY instance, topic, window_start, IFNULL(split_partition, -1), part
                """, arguments: [instance, topic]
            ).map(WindowFile.init(row:))
        }
    }
}

extension ArchiveIndex {
    /// Records the segments hold of the topic at or past each partition's compacted
    /// position: what a compaction run may write at most (`CompactionProgress.backlog`).
    func uncompactedRecords(instance: String, topic: String, compactedBelow: [Int32: Int64]) throws -> Int64 {
        try read { db in
            var total: Int64 = 0
            for row in try Row.fetchAll(db, sql: """
                SELECT partition, first_offset, last_offset, record_count FROM blocks WHERE instance = ? AND topic = ?
                """, arguments: [instance, topic])
            {
                let below = compactedBelow[row["partition"]] ?? 0
                let last: Int64 = row["last_offset"]
                guard last >= below else { continue }
                let first: Int64 = row["first_offset"]
                let count: Int64 = row["record_count"]
                // A block the compacted position cuts through counts its part past it.
                total += first >= below ? count : min(count, last - below + 1)
            }
            return total
        }
    }
}
