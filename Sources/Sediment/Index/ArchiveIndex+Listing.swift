import GRDB

/// Window files with their upload and hook states, for listings (`WindowListing`).
extension ArchiveIndex {
    func windowListing(instance: String, topic: String, range: Range<Int64>) throws -> [WindowListing] {
        try read { db in
            let files = try Row.fetchAll(db, sql: """
                SELECT \(WindowFile.columns) FROM window_files
                WHERE instance = ? AND topic = ? AND window_end > ? AND window_start < ?
                ORDER BY window_start, IFNULL(split_partition, -1), part
                """, arguments: [instance, topic, range.lowerBound, range.upperBound]
            ).map(WindowFile.init(row:))
            guard let first = files.first, let last = files.last else { return [] }
            var uploads: [Int64: [WindowListing.Upload]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT u.file_id, t.uri, u.key, u.state, u.attempts, u.error, u.uploaded_at
                FROM window_uploads u JOIN upload_targets t ON t.id = u.target_id
                JOIN window_files f ON f.id = u.file_id
                WHERE f.instance = ? AND f.topic = ? AND f.window_start BETWEEN ? AND ?
                ORDER BY t.id
                """, arguments: [instance, topic, first.windowStart, last.windowStart])
            {
                uploads[row["file_id"], default: []].append(WindowListing.Upload(
                    target: row["uri"], key: row["key"], state: row["state"], attempts: row["attempts"], error: row["error"],
                    uploadedAt: row["uploaded_at"]))
            }
            var hooks: [Int64: WindowListing.Hook] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT h.file_id, h.state, h.attempts, h.last_error FROM window_hooks h JOIN window_files f ON f.id = h.file_id
                WHERE f.instance = ? AND f.topic = ? AND f.window_start BETWEEN ? AND ?
                """, arguments: [instance, topic, first.windowStart, last.windowStart])
            {
                guard let state = HookState(rawValue: row["state"]) else { continue }
                hooks[row["file_id"]] = WindowListing.Hook(state: state, attempts: row["attempts"], error: row["last_error"])
            }
            return files.map { WindowListing(file: $0, uploads: uploads[$0.id] ?? [], hook: hooks[$0.id]) }
        }
    }
}
