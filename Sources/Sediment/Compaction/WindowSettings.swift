/// How one topic's messages become window files. Recorded per topic in the index: a
/// change applies to windows that start after the last one written.
public struct WindowSettings: Sendable, Hashable, Codable {
    public enum Format: String, Sendable, CaseIterable, Codable {
        /// Lossless: one JSON object per message (topic, partition, offset, timestamp and
        /// its type, key, headers, value as UTF-8 or `{"base64":...}`). The default.
        case jsonl
        /// The compatible mode: message values as UTF-8, each followed by "\n".
        case text

        /// The file name extension, compression included: `jsonl.gz`, `txt.zst`, `jsonl`.
        public func fileExtension(_ compression: WindowCompression) -> String {
            switch self {
            case .jsonl: "jsonl" + compression.fileSuffix
            case .text: "txt" + compression.fileSuffix
            }
        }

        /// The format and compression whose extension ends a window file's name or key,
        /// and the name before that extension's dot.
        static func ending(_ name: Substring) -> (format: Format, compression: WindowCompression, stem: Substring)? {
            for format in allCases {
                for compression in WindowCompression.allCases where name.hasSuffix("." + format.fileExtension(compression)) {
                    return (format, compression, name.dropLast(format.fileExtension(compression).count + 1))
                }
            }
            return nil
        }
    }

    /// Which clock places a message in a window.
    public enum WindowTime: String, Sendable, CaseIterable, Codable {
        /// The Kafka timestamp. The default.
        case message
        /// When Sediment stored the message.
        case ingest
    }

    /// What `text` does with a value that is not valid UTF-8.
    public enum InvalidUTF8Policy: String, Sendable, CaseIterable, Codable {
        /// Compaction stops with an error naming the message. The default.
        case error
        /// The value is left out of the file and counted.
        case skip
        /// Invalid sequences become U+FFFD.
        case replace
    }

    /// How a window's messages are spread over files.
    public enum Split: String, Sendable, CaseIterable, Codable {
        /// One file series per window holding every partition, in time order. The default.
        case none
        /// One file series per partition present in the window, each in time order (the
        /// layout of the product Sediment replaces, whose file count follows the partitions).
        case partition
    }

    /// Window length in milliseconds. Default 60 minutes.
    public var granularity: Int64 = 3_600_000
    /// Default `.jsonl`.
    public var format: Format = .jsonl
    /// Default `.gzip`.
    public var compression: WindowCompression = .gzip
    /// gzip 1 to 9 (default 6), zstd 1 to 19 (default 3), none 0.
    public var compressionLevel = 6
    /// A window whose compressed size would pass this is split into parts. Default 500 MB.
    public var maxFileSize: Int64 = 500_000_000
    /// How far past a window's end the watermark must be before it closes. Default 1 minute.
    public var grace: Int64 = 60_000
    /// Default `.message`.
    public var windowTime: WindowTime = .message
    /// Default `.error`.
    public var invalidUTF8: InvalidUTF8Policy = .error
    /// Default `.none`.
    public var split: Split = .none

    public init() {}

    /// "gzip level 6", "zstd level 3", "uncompressed".
    public var compressionText: String {
        compression == .none ? "uncompressed" : "\(compression.rawValue) level \(compressionLevel)"
    }

    /// Granularities are whole minutes, as in the product Sediment replaces (5 to 60),
    /// longer ones allowed; the size cap must leave room for a gzip member.
    public func validate() throws {
        guard granularity >= 60_000, granularity % 60_000 == 0 else {
            throw SedimentError(
                .invalidArgument, "granularity must be a whole number of minutes (5m to 60m, or more), not \(granularity) ms",
                context: ["option": "granularity", "value": "\(granularity)"])
        }
        guard compression.levels.contains(compressionLevel) else {
            let allowed = switch compression {
            case .none: "compression none takes no level"
            case .gzip: "compression level must be 1 to 9"
            case .zstd: "zstd compression level must be \(compression.levels.lowerBound) to \(compression.levels.upperBound)"
            }
            throw SedimentError(
                .invalidArgument, "\(allowed), not \(compressionLevel)",
                context: ["option": "compression-level", "value": "\(compressionLevel)"])
        }
        guard maxFileSize >= 64 << 10 else {
            throw SedimentError(
                .invalidArgument, "max file size must be at least 64 KiB, not \(maxFileSize) bytes",
                context: ["option": "max-file-size", "value": "\(maxFileSize)"])
        }
        guard grace >= 0 else {
            throw SedimentError(.invalidArgument, "grace must not be negative", context: ["option": "grace", "value": "\(grace)"])
        }
    }
}
