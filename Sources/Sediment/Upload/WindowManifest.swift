import Foundation

/// What an uploaded window object holds, as a JSON object beside it: `<key>.manifest.json`.
/// It is uploaded after its object has been confirmed, so a manifest present means its
/// object is complete; with it, a reader can find a window's messages in the bucket and
/// fetch only the members a time range needs.
///
///     {
///       "version": 1,
///       "instance": "prod", "topic": "orders",
///       "windowStart": 1764064800000, "windowEnd": 1764065100000, "part": 1,
///       "format": "jsonl", "compression": "gzip", "level": 6,
///       "count": 30000, "minTimestamp": 1764064800012, "maxTimestamp": 1764065099987,
///       "partitions": [{"partition": 0, "firstOffset": 0, "lastOffset": 9999, "count": 10000}],
///       "partition": 0,
///       "size": 347812, "md5": "…", "sha256": "…",
///       "members": [{"offset": 0, "length": 118220, "minTimestamp": …, "maxTimestamp": …,
///                    "count": 10240, "inputSize": 1048576}]
///     }
///
/// Times are milliseconds since the epoch, window time `[windowStart, windowEnd)`; member
/// offsets and lengths are bytes of the object; each member is a complete gzip member
/// (`"compression": "gzip"`), a complete zstd frame (`"zstd"`: the object ends with the
/// seek table of zstd's seekable format after the last one) or a range of the bytes
/// themselves (`"none"`), and inflates to `inputSize` bytes.
/// `partition` is there only for the file of one partition of a window split by partition
/// (`split` `partition`): the file series it belongs to. Keys are written in this order, so that the same window always gives the same bytes.
public struct WindowManifest: Sendable, Hashable, Codable {
    public static let currentVersion = 1

    public var version = WindowManifest.currentVersion
    public var instance: String
    public var topic: String
    public var windowStart: Int64
    public var windowEnd: Int64
    public var part: Int
    public var format: String
    /// `message` or `ingest`: which time places a message in the window. Absent from the
    /// manifests of Sediment before it was recorded, which are message time.
    public var windowTime: String?
    public var compression = WindowCompression.gzip
    public var level: Int
    public var count: Int
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var partitions: [Partition]
    /// The one partition of a split file; absent for a file holding every partition of its window.
    public var partition: Int32?
    public var size: Int64
    public var md5: String
    public var sha256: String
    public var members: [Member]

    public struct Partition: Sendable, Hashable, Codable {
        public var partition: Int32
        public var firstOffset: Int64
        public var lastOffset: Int64
        public var count: Int
    }

    public struct Member: Sendable, Hashable, Codable {
        public var offset: Int64
        public var length: Int
        public var minTimestamp: Int64
        public var maxTimestamp: Int64
        public var count: Int
        public var inputSize: Int
    }

    /// The manifest's key for a window object's key.
    public static func key(forObject key: String) -> String { key + keySuffix }
    public static let keySuffix = ".manifest.json"

    /// The manifest as stored: JSON with keys in a fixed order, and a final newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
