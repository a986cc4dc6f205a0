import GRDB

/// What compaction has made of one topic, as `sediment status` prints it.
public struct WindowStatistics: Sendable, Hashable, Codable {
    public var instance: String
    public var topic: String
    /// The settings new windows get.
    public var settings: WindowSettings
    /// When the settings last changed: they apply to windows from this time on (nil when
    /// they apply to every window).
    public var settingsSince: Int64?
    /// Windows with at least one file (however many parts).
    public var windows: Int
    public var files: Int
    public var messages: Int64
    /// Values left out of text files by `--invalid-utf8 skip`.
    public var skipped: Int64
    public var inputBytes: Int64
    public var bytes: Int64
    public var lastWindowEnd: Int64?
}

extension Archive {
    /// One entry per topic that has window settings.
    public func windowStatistics() throws -> [WindowStatistics] {
        try index.read { db in
            let topics = try Row.fetchAll(db, sql: "SELECT DISTINCT instance, topic FROM window_settings ORDER BY instance, topic")
            return try topics.map { row in
                let instance: String = row[0]
                let topic: String = row[1]
                let entries = try index.scheduleEntries(instance: instance, topic: topic, in: db)
                let totals = try Row.fetchOne(db, sql: """
                    SELECT COUNT(DISTINCT window_start), COUNT(*), COALESCE(SUM(message_count), 0),
                           COALESCE(SUM(skipped_count), 0), COALESCE(SUM(input_size), 0), COALESCE(SUM(size), 0), MAX(window_end)
                    FROM window_files WHERE instance = ? AND topic = ?
                    """, arguments: [instance, topic])!
                let since = entries.last!.since
                return WindowStatistics(
                    instance: instance, topic: topic, settings: entries.last!.settings,
                    settingsSince: since == .min ? nil : since, windows: totals[0], files: totals[1], messages: totals[2],
                    skipped: totals[3], inputBytes: totals[4], bytes: totals[5], lastWindowEnd: totals[6])
            }
        }
    }
}
