/// What an upload or reupload did: the closing line of the commands.
public struct UploadSummary: Sendable, Hashable, Codable {
    /// Objects written to the store.
    public var objects = 0
    public var bytes: Int64 = 0
    /// Objects already present with the same checksum.
    public var skipped = 0
    public var failed = 0
    /// Manifests written (`<key>.manifest.json`), one after each window object, and for
    /// windows uploaded before manifests existed.
    public var manifests = 0
    /// With `--dry-run`: the keys that would be written.
    public var wouldUpload: [String] = []

    public init() {}

    /// Adds another pass's counts (a long-running task makes many).
    public mutating func add(_ other: UploadSummary) {
        objects += other.objects
        bytes += other.bytes
        skipped += other.skipped
        failed += other.failed
        manifests += other.manifests
        wouldUpload += other.wouldUpload
    }
}

/// Progress after each object, for a terminal.
public struct UploadProgress: Sendable {
    public var done: Int
    public var total: Int
    public var bytes: Int64
}
