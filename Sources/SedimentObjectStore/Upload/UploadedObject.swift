/// An object the store has confirmed: what the library records as uploaded.
public struct UploadedObject: Sendable, Hashable {
    /// The key relative to the target's prefix.
    public var key: String
    public var size: Int64
    /// The ETag the store returned and the uploader verified.
    public var etag: String
    /// MD5 (hex) of the whole file.
    public var md5: String
    /// SHA-256 (hex) of the whole file, also stored as the object's `sha256` metadata.
    public var sha256: String
    /// 1 for a single PUT, the number of parts for a multipart upload.
    public var partCount: Int

    public init(key: String, size: Int64, etag: String, md5: String, sha256: String, partCount: Int) {
        self.key = key
        self.size = size
        self.etag = etag
        self.md5 = md5
        self.sha256 = sha256
        self.partCount = partCount
    }
}
