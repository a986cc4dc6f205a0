import GRDB
import SedimentObjectStore

/// A window file to upload, with what its key needs.
struct UploadCandidate: Sendable {
    var file: WindowFile
    var partitions: [Int32]
    var worker: String?
    /// The state for the target, nil when the file was never tried there.
    var state: UploadState?
    /// The key recorded for the target, once tried.
    var key: String?
    /// Whether the target confirmed the file's manifest.
    var hasManifest = false
}

/// The upload side of the index: targets and the state of each window file per target.
extension ArchiveIndex {
    /// Records the target (or finds it) and returns its id.
    func registerTarget(_ target: UploadTargetRecord, at now: Int64) throws -> Int64 {
        let uri = ObjectTarget.canonicalURI(target.uri)
        let (template, continuous) = (target.template.template, target.continuous)
        return try write { db in
            // Rows an earlier Sediment recorded under other spellings of this target become
            // one, under the canonical spelling.
            let same = try Self.targetRows(in: db).filter { ObjectTarget.canonicalURI($0.uri) == uri }.map(\.id).sorted()
            if let kept = same.first {
                for other in same.dropFirst() { try Self.mergeTarget(other, into: kept, in: db) }
                // A reupload (never continuous) does not change the template of a target
                // uploads go to continuously: it names its own keys for its own run.
                try db.execute(sql: """
                    UPDATE upload_targets SET uri = ?2,
                        key_template = CASE WHEN ?4 = 1 OR continuous = 0 THEN ?3 ELSE key_template END,
                        continuous = MAX(continuous, ?4)
                    WHERE id = ?1
                    """, arguments: [kept, uri, template, continuous])
                return kept
            }
            try db.execute(sql: """
                INSERT INTO upload_targets (uri, key_template, continuous, added_at) VALUES (?, ?, ?, ?)
                """, arguments: [uri, template, continuous, now])
            return db.lastInsertedRowID
        }
    }

    /// The target `uri` names, however it is spelled.
    func targetID(uri: String) throws -> Int64? {
        let canonical = ObjectTarget.canonicalURI(uri)
        return try read { db in
            try Self.targetRows(in: db).filter { ObjectTarget.canonicalURI($0.uri) == canonical }.map(\.id).min()
        }
    }

    private static func targetRows(in db: Database) throws -> [(id: Int64, uri: String)] {
        try Row.fetchAll(db, sql: "SELECT id, uri FROM upload_targets").map { (id: $0["id"], uri: $0["uri"]) }
    }

    /// Moves target `other`'s rows to `kept` and deletes it: of two rows of one file, an
    /// `uploaded` one wins, else `kept`'s.
    private static func mergeTarget(_ other: Int64, into kept: Int64, in db: Database) throws {
        let uploaded = UploadState.uploaded.rawValue
        try db.execute(sql: """
            DELETE FROM window_uploads WHERE target_id = ?1 AND state <> '\(uploaded)' AND file_id IN (
                SELECT file_id FROM window_uploads WHERE target_id = ?2 AND state = '\(uploaded)')
            """, arguments: [kept, other])
        try db.execute(sql: """
            DELETE FROM window_uploads WHERE target_id = ?2 AND file_id IN (SELECT file_id FROM window_uploads WHERE target_id = ?1)
            """, arguments: [kept, other])
        try db.execute(sql: "UPDATE window_uploads SET target_id = ?1 WHERE target_id = ?2", arguments: [kept, other])
        try db.execute(sql: "UPDATE multipart_uploads SET target_id = ?1 WHERE target_id = ?2", arguments: [kept, other])
        try db.execute(sql: """
            UPDATE upload_targets SET continuous = MAX(continuous, (SELECT continuous FROM upload_targets WHERE id = ?2)) WHERE id = ?1
            """, arguments: [kept, other])
        try db.execute(sql: "DELETE FROM upload_targets WHERE id = ?", arguments: [other])
    }

    /// Window files still on disk, of one topic or all, whose windows meet `range`;
    /// with `unfinishedOnly`, only those the target has not confirmed, object or manifest.
    func uploadCandidates(
        targetID: Int64, instance: String?, topic: String?, range: Range<Int64>?, unfinishedOnly: Bool
    ) throws -> [UploadCandidate] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(WindowFile.columns(of: "f")),
                       u.state AS upload_state, u.key AS upload_key, u.manifest_etag,
                       (SELECT GROUP_CONCAT(partition, ',') FROM (SELECT partition FROM window_partitions
                            WHERE file_id = f.id ORDER BY partition)) AS partition_list,
                       (SELECT MIN(p.worker) FROM window_partitions wp JOIN partitions p
                            ON p.instance = f.instance AND p.topic = f.topic AND p.partition = wp.partition WHERE wp.file_id = f.id)
                            AS worker
                FROM window_files f LEFT JOIN window_uploads u ON u.file_id = f.id AND u.target_id = ?1
                WHERE f.local_deleted_at IS NULL AND (?2 IS NULL OR f.instance = ?2) AND (?3 IS NULL OR f.topic = ?3)
                  AND (?4 IS NULL OR (f.window_end > ?4 AND f.window_start < ?5))
                  AND (?6 = 0 OR u.state IS NULL OR u.state <> '\(UploadState.uploaded.rawValue)' OR u.manifest_etag IS NULL)
                ORDER BY f.instance, f.topic, f.window_start, f.part
                """, arguments: [targetID, instance, topic, range?.lowerBound, range?.upperBound, unfinishedOnly])
            return try rows.map { row in
                let partitions = (row["partition_list"] as String?)?.split(separator: ",").compactMap { Int32($0) } ?? []
                return UploadCandidate(
                    file: try WindowFile(row: row), partitions: partitions, worker: row["worker"],
                    state: (row["upload_state"] as String?).flatMap(UploadState.init(rawValue:)), key: row["upload_key"],
                    hasManifest: (row["manifest_etag"] as String?) != nil)
            }
        }
    }

    /// Moves a file's upload to `state`. Repeating a transition changes nothing more.
    func setUploadState(
        fileID: Int64, targetID: Int64, key: String, _ state: UploadState, etag: String? = nil, error: String? = nil,
        at now: Int64
    ) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO window_uploads (file_id, target_id, key, state, etag, uploaded_at, error, attempts, updated_at)
                VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?4 = 'uploaded' THEN ?7 END, ?6, CASE WHEN ?4 = 'uploading' THEN 1 ELSE 0 END, ?7)
                ON CONFLICT (file_id, target_id) DO UPDATE SET
                    key = excluded.key, state = excluded.state, updated_at = excluded.updated_at,
                    etag = COALESCE(excluded.etag, etag),
                    uploaded_at = CASE WHEN excluded.state = 'uploaded' THEN excluded.updated_at ELSE uploaded_at END,
                    error = excluded.error,
                    attempts = attempts + CASE WHEN excluded.state = 'uploading' THEN 1 ELSE 0 END
                """, arguments: [fileID, targetID, key, state.rawValue, etag, error, now])
        }
    }
}
