import GRDB

/// Where one upload target stands, as `sediment status` prints it.
public struct UploadStatistics: Sendable, Hashable, Codable {
    /// The target URI as given (it never holds a secret).
    public var target: String
    public var keyTemplate: String
    /// Whether local retention waits for this target.
    public var continuous: Bool
    public var uploaded: Int
    public var uploadedBytes: Int64
    public var failed: Int
    /// Window files on disk the target has not confirmed (never tried, in flight or failed).
    public var pending: Int
    /// The last error recorded for a failed window, if any.
    public var lastError: String?
}

extension Archive {
    public func uploadStatistics() throws -> [UploadStatistics] {
        try index.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.uri, t.key_template, t.continuous,
                       (SELECT COUNT(*) FROM window_uploads u WHERE u.target_id = t.id AND u.state = 'uploaded'),
                       (SELECT COALESCE(SUM(f.size), 0) FROM window_uploads u JOIN window_files f ON f.id = u.file_id
                          WHERE u.target_id = t.id AND u.state = 'uploaded'),
                       (SELECT COUNT(*) FROM window_uploads u WHERE u.target_id = t.id AND u.state = 'failed'),
                       (SELECT COUNT(*) FROM window_files f WHERE f.local_deleted_at IS NULL AND NOT EXISTS (
                          SELECT 1 FROM window_uploads u WHERE u.file_id = f.id AND u.target_id = t.id AND u.state = 'uploaded')),
                       (SELECT u.error FROM window_uploads u WHERE u.target_id = t.id AND u.state = 'failed'
                          ORDER BY u.updated_at DESC LIMIT 1)
                FROM upload_targets t ORDER BY t.id
                """
            ).map { row in
                UploadStatistics(
                    target: row[0], keyTemplate: row[1], continuous: row[2], uploaded: row[3], uploadedBytes: row[4],
                    failed: row[5], pending: row[6], lastError: row[7])
            }
        }
    }
}
