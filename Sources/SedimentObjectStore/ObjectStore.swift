import Foundation

/// Object storage behind one protocol: COS, S3-compatible stores and a local directory.
///
/// Keys are relative to the target's prefix. Every call is one logical operation:
/// the HTTP backends retry transient failures inside it (see `RetryPolicy`), so a
/// caller sees either success or an `ObjectStoreError` that is worth reporting.
public protocol ObjectStore: Sendable {
    /// Where the objects live, e.g. `s3://bucket/prefix`; never contains a secret.
    var target: ObjectTarget { get }

    /// Stores `payload` under `key` in one request; returns the ETag the store gave. With
    /// `ifAbsent`, an object already under `key` is left as it is and the call fails with
    /// `.alreadyExists` (S3's `If-None-Match: *`, COS's `x-cos-forbid-overwrite`).
    func putObject(key: String, payload: ObjectPayload, metadata: [String: String], ifAbsent: Bool) async throws -> String

    /// Starts a multipart upload and returns its upload ID.
    func createMultipartUpload(key: String, metadata: [String: String]) async throws -> String

    /// Uploads one part (numbered from 1); returns the part's ETag.
    func uploadPart(key: String, uploadID: String, partNumber: Int, payload: ObjectPayload) async throws -> String

    /// Assembles the parts; returns the object's ETag. `expectedETag`, when given, lets
    /// a retry recognise an object that a previous attempt already completed. With
    /// `ifAbsent`, as for `putObject`.
    func completeMultipartUpload(
        key: String, uploadID: String, parts: [CompletedPart], expectedETag: String?, ifAbsent: Bool
    ) async throws -> String

    /// Abandons a multipart upload and frees its parts.
    func abortMultipartUpload(key: String, uploadID: String) async throws

    /// Multipart uploads still open under `prefix` (relative to the target's prefix).
    func listMultipartUploads(prefix: String) async throws -> [MultipartUploadInfo]

    /// Size, ETag and user metadata of `key`, or nil if there is no such object.
    func headObject(key: String) async throws -> ObjectInfo?

    /// The bytes of `key` (or of `range`), read into memory; refused past `maxBytes`.
    func getObject(key: String, range: ClosedRange<Int64>?, maxBytes: Int) async throws -> Data

    /// Streams `key` (or `range`) into the file at `path`, replacing it once durable; with
    /// `computingSHA256`, hashes the bytes on their way, so that checking them costs no
    /// second read.
    func downloadObject(key: String, range: ClosedRange<Int64>?, to path: String, computingSHA256: Bool) async throws -> DownloadedObject

    /// Writes `range` of `key` into the existing file at `path`, at the same byte positions:
    /// how a large object comes down in concurrent parts. Not fsynced (the caller syncs the
    /// file once every part is in); a retry writes the range again. Returns the byte count.
    func downloadRange(key: String, range: ClosedRange<Int64>, intoFile path: String) async throws -> Int64

    /// Every object under `prefix`, in key order, following pagination to the end.
    func listObjects(prefix: String) async throws -> [ObjectInfo]

    /// Removes `key`; removing a missing key succeeds, as in S3.
    func deleteObject(key: String) async throws

    /// Proves, before any real write, that the target takes writes with these credentials:
    /// writes a small `.sediment-probe-<random>` object under the prefix (create-only when
    /// uploads are) and deletes it. Throws the store's error when the write is refused.
    /// Returns the deletion's error when only that failed (the probe is left behind): a
    /// bucket may refuse deletes, and uploads never delete.
    func probeWrites() async throws -> ObjectStoreError?

    /// Releases connections; the store is unusable afterwards.
    func shutdown() async throws
}

extension ObjectStore {
    public func putObject(key: String, payload: ObjectPayload, metadata: [String: String] = [:]) async throws -> String {
        try await putObject(key: key, payload: payload, metadata: metadata, ifAbsent: false)
    }

    public func completeMultipartUpload(
        key: String, uploadID: String, parts: [CompletedPart], expectedETag: String?
    ) async throws -> String {
        try await completeMultipartUpload(key: key, uploadID: uploadID, parts: parts, expectedETag: expectedETag, ifAbsent: false)
    }

    public func getObject(key: String, range: ClosedRange<Int64>? = nil) async throws -> Data {
        try await getObject(key: key, range: range, maxBytes: 64 << 20)
    }

    /// Returns the byte count.
    public func downloadObject(key: String, range: ClosedRange<Int64>?, to path: String) async throws -> Int64 {
        try await downloadObject(key: key, range: range, to: path, computingSHA256: false).bytes
    }
}

/// What a download wrote.
public struct DownloadedObject: Sendable, Hashable {
    public var bytes: Int64
    /// Hex, when asked for.
    public var sha256: String?

    public init(bytes: Int64, sha256: String?) {
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// What a store knows about one object.
public struct ObjectInfo: Sendable, Hashable {
    public var key: String
    public var size: Int64
    /// The ETag without quotes: an MD5 hex for single-part objects, `hex-N` for multipart ones.
    public var etag: String
    /// User metadata (`x-amz-meta-*` / `x-cos-meta-*`), names lowercased; empty in listings.
    public var metadata: [String: String]

    public init(key: String, size: Int64, etag: String, metadata: [String: String] = [:]) {
        self.key = key
        self.size = size
        self.etag = etag
        self.metadata = metadata
    }
}

/// One uploaded part, as CompleteMultipartUpload needs it.
public struct CompletedPart: Sendable, Hashable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

/// An open multipart upload.
public struct MultipartUploadInfo: Sendable, Hashable {
    public var key: String
    public var uploadID: String
    /// When the store says it was started, when it says.
    public var initiated: Date?

    public init(key: String, uploadID: String, initiated: Date? = nil) {
        self.key = key
        self.uploadID = uploadID
        self.initiated = initiated
    }
}

extension ObjectStore {
    /// Runs `body`, then shuts the store down whether it succeeded or not.
    public func closing<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch {
            try? await shutdown()
            throw error
        }
        try await shutdown()
        return result
    }
}
