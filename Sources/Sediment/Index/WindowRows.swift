import GRDB

/// One member of a window file (a gzip member, a zstd frame, a byte range of an
/// uncompressed file), as `window_members` holds it.
struct MemberRow: Sendable, Hashable {
    var fileID: Int64
    var ordinal: Int
    var minTimestamp: Int64
    var maxTimestamp: Int64
    var position: Int64
    var length: Int
    var inputSize: Int
    var count: Int
}

/// A member in the file that holds it: what a query needs to read it.
struct LocatedMember: Sendable, Hashable {
    var member: MemberRow
    var path: String
    var compression: WindowCompression
}

/// Per partition, what one window file holds.
struct WindowPartitionRow: Sendable, Hashable {
    var partition: Int32
    var firstOffset: Int64
    var lastOffset: Int64
    var count: Int
    var coveredEnd: Int64
}

/// A window file ready to be recorded: written, durable and renamed to `path`.
struct WindowFileRecord: Sendable {
    var instance: String
    var topic: String
    var windowStart: Int64
    var windowEnd: Int64
    var part: Int
    var path: String
    var format: WindowSettings.Format
    var compression: WindowCompression
    var count: Int
    var skipped: Int
    var minTimestamp: Int64
    var maxTimestamp: Int64
    var inputSize: Int64
    var size: Int64
    var md5: String
    var sha256: String
    var writtenAt: Int64
    /// The one partition the file holds when its window is split by partition; nil when
    /// the file holds every partition of its window.
    var splitPartition: Int32?
    var partitions: [WindowPartitionRow]
    var members: [MemberRow]
}

/// A window file as recorded, for `status`, retention and the uploader.
public struct WindowFile: Sendable, Hashable, Codable {
    public var id: Int64
    public var instance: String
    public var topic: String
    public var windowStart: Int64
    public var windowEnd: Int64
    public var part: Int
    /// Relative to the archive directory; the object key has the same shape.
    public var path: String
    public var format: WindowSettings.Format
    public var compression: WindowCompression
    public var count: Int
    public var skipped: Int
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var inputSize: Int64
    public var size: Int64
    public var md5: String
    public var sha256: String
    public var writtenAt: Int64
    public var locallyDeleted: Bool
    /// The one partition the file holds when its window is split by partition (`split`
    /// `partition`); nil when it holds every partition of its window.
    public var splitPartition: Int32?

    static let columnNames = [
        "id", "instance", "topic", "window_start", "window_end", "part", "path", "format", "compression", "message_count", "skipped_count",
        "min_timestamp", "max_timestamp", "input_size", "size", "md5", "sha256", "written_at", "local_deleted_at",
        "split_partition",
    ]
    static let columns = columnNames.joined(separator: ", ")

    /// The columns of `init(row:)`, qualified by a table alias.
    static func columns(of alias: String) -> String { columnNames.map { alias + "." + $0 }.joined(separator: ", ") }

    init(row: Row) throws {
        id = row["id"]
        instance = row["instance"]
        topic = row["topic"]
        windowStart = row["window_start"]
        windowEnd = row["window_end"]
        part = row["part"]
        path = row["path"]
        // Named only for an error: not formatted for every row read.
        let name = { "\(row["id"] as Int64) (\(row["path"] as String))" }
        format = try row.named("format", in: "window_files", row: name())
        compression = try row.named("compression", in: "window_files", row: name())
        count = row["message_count"]
        skipped = row["skipped_count"]
        minTimestamp = row["min_timestamp"]
        maxTimestamp = row["max_timestamp"]
        inputSize = row["input_size"]
        size = row["size"]
        md5 = row["md5"]
        sha256 = row["sha256"]
        writtenAt = row["written_at"]
        locallyDeleted = (row["local_deleted_at"] as Int64?) != nil
        splitPartition = row["split_partition"]
    }
}
