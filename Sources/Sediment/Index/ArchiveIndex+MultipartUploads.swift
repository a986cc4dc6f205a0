import GRDB

/// The multipart uploads this archive started and has not seen end (`multipart_uploads`).
extension ArchiveIndex {
    func recordMultipartUploadStarting(targetID: Int64, key: String, at milliseconds: Int64) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO multipart_uploads (target_id, key, requested_at) VALUES (?, ?, ?)",
                arguments: [targetID, key, milliseconds])
            return db.lastInsertedRowID
        }
    }

    func recordMultipartUploadStarted(_ id: Int64, uploadID: String, at milliseconds: Int64) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE multipart_uploads SET upload_id = ?, answered_at = ? WHERE id = ?", arguments: [uploadID, milliseconds, id])
        }
    }

    /// `key`'s recorded uploads; times in milliseconds.
    func multipartUploads(targetID: Int64, key: String) throws -> [(uploadID: String?, requestedAt: Int64, answeredAt: Int64?)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT upload_id, requested_at, answered_at FROM multipart_uploads WHERE target_id = ? AND key = ? ORDER BY id",
                arguments: [targetID, key]
            ).map { (uploadID: $0["upload_id"], requestedAt: $0["requested_at"], answeredAt: $0["answered_at"]) }
        }
    }

    func forgetMultipartUploads(targetID: Int64, key: String, except stillOpen: Set<String>) throws {
        let kept = Array(stillOpen)
        // SQLite takes an empty list: `NOT IN ()` holds for every row.
        let list = kept.map { _ in "?" }.joined(separator: ",")
        try write { db in
            try db.execute(
                sql: "DELETE FROM multipart_uploads WHERE target_id = ? AND key = ? AND (upload_id IS NULL OR upload_id NOT IN (\(list)))",
                arguments: StatementArguments([targetID, key] as [any DatabaseValueConvertible] + kept))
        }
    }
}
