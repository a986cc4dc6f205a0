import GRDB

/// Who the archive is: its generated id, and whether a consumer group fills it.
extension ArchiveIndex {
    /// The id generated once for the archive (Schema/0006).
    func archiveID() throws -> String {
        try read { db in try String.fetchOne(db, sql: "SELECT archive_id FROM archive_identity") } ?? "unknown"
    }

    /// The archive's default worker name: the one recorded, or, the first time,
    /// `proposed`, recorded now for good.
    func defaultWorker(proposing proposed: String) throws -> String {
        try write { db in
            try db.execute(
                sql: "UPDATE archive_identity SET default_worker = ? WHERE default_worker IS NULL", arguments: [proposed])
            return try String.fetchOne(db, sql: "SELECT default_worker FROM archive_identity") ?? proposed
        }
    }

    /// Whether some partition was dumped through a consumer group: other workers then
    /// feed the same bucket.
    func isFilledByGroup() throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM partitions WHERE consumer_group IS NOT NULL)") ?? false
        }
    }

    /// Whether some topic's windows are (or will be) split by partition: uploads then need
    /// keys that tell a window's files apart.
    func splitsByPartition() throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM window_settings WHERE split = 'partition')") ?? false
        }
    }

    /// The key templates of the continuous targets recorded, by URI.
    func continuousTemplates(in db: Database) throws -> [(uri: String, template: String)] {
        try Row.fetchAll(db, sql: "SELECT uri, key_template FROM upload_targets WHERE continuous = 1 ORDER BY id").map {
            ($0["uri"], $0["key_template"])
        }
    }
}

extension Archive {
    /// The name a `dump` worker of this archive records unless told otherwise: the host
    /// name plus the archive's id, so that two archives on one host never share one. It
    /// is recorded the first time, and kept even if the host name changes later.
    public func defaultWorkerName(host: String) throws -> String {
        try index.defaultWorker(proposing: "\(host)-\(try index.archiveID())")
    }

    /// What `{worker}` stands for in the keys of partitions with no worker recorded
    /// (`ingest`, or archives older than worker names): unique to the archive all the same.
    static func anonymousWorkerName(archiveID: String) -> String {
        "archive-\(archiveID)"
    }

    /// Whether a consumer group fills this archive: its uploads share the bucket with
    /// other workers, so their keys need `{worker}`.
    public func isFilledByGroup() throws -> Bool { try index.isFilledByGroup() }

    /// Whether the archive knows a continuous upload target (one that local retention
    /// waits for).
    public func hasContinuousTarget() throws -> Bool { try index.hasContinuousTarget() }
}
