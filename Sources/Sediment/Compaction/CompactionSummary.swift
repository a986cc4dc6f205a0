/// What a compaction run wrote.
public struct CompactionSummary: Sendable, Hashable, Codable {
    /// Window writes: a window written for the first time, or a late part of one.
    public var windows = 0
    public var files = 0
    public var messages = 0
    /// Values left out by `--invalid-utf8 skip`.
    public var skipped = 0
    public var inputBytes: Int64 = 0
    public var bytes: Int64 = 0
    /// The files written, relative to the archive.
    public var paths: [String] = []
    /// Segment files deleted because windows hold all they held.
    public var segmentsDeleted = 0
    /// Window files deleted by local retention.
    public var windowFilesDeleted = 0

    public init() {}

    mutating func add(_ other: CompactionSummary) {
        windows += other.windows
        files += other.files
        messages += other.messages
        skipped += other.skipped
        inputBytes += other.inputBytes
        bytes += other.bytes
        paths += other.paths
        segmentsDeleted += other.segmentsDeleted
        windowFilesDeleted += other.windowFilesDeleted
    }
}
