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
