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
        try write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, upload_id FROM multipart_uploads WHERE target_id = ? AND key = ?", arguments: [targetID, key])
            for row in rows where (row["upload_id"] as String?).map({ !stillOpen.contains($0) }) ?? true {
                try db.execute(sql: "DELETE FROM multipart_uploads WHERE id = ?", arguments: [row["id"] as Int64])
            }
        }
    }
}
