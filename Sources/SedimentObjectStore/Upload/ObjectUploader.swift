import Crypto
import Foundation
import Logging

/// Uploads files as objects, verified end to end.
///
/// Below `multipartThreshold` a file goes in one PUT; above it, in parts of `partSize`
/// with `concurrency` parts in flight. Every request carries Content-MD5 and (SigV4)
/// the signed SHA-256 of its body, but parts, which go as UNSIGNED-PAYLOAD; every ETag
/// returned is compared with the MD5 of what was sent. The whole file's SHA-256 is stored as the `sha256` metadata so
/// that `existingObject` can later tell whether a key already holds this file.
///
/// Memory: bodies are streamed from the file in 256 KiB chunks, so an upload holds
/// about `concurrency` × a few chunks, whatever the part size.
public struct ObjectUploader: Sendable {
    public struct Configuration: Sendable {
        /// Files of this size or more are uploaded in parts. Default 16 MiB.
        public var multipartThreshold: Int64 = 16 << 20
        /// Size of each part but the last. Default 8 MiB; never below the 5 MiB stores require.
        public var partSize: Int64 = 8 << 20
        /// Parts uploaded at once. Default 4.
        public var concurrency = 4
        /// Never replace an object: a key that already holds one fails the upload with
        /// `.alreadyExists` and the object stays as it was, on stores that take
        /// create-only writes (`ObjectTarget.conditionalWrites`); the caller looks the key
        /// up first on the others. Default true.
        public var createOnly = true
        /// An open multipart upload of a key older than this is swept (aborted) whoever
        /// started it: no upload of one window takes that long, so it was left behind.
        /// Younger ones are swept only when `ledger` records them as started here. Default
        /// 24 hours.
        public var staleUploadAge: Duration = .seconds(24 * 3600)
        /// How far apart a store's clock and this one may be when an open upload nothing
        /// names is matched, by the time the store says it started, to a create of ours
        /// whose reply was lost (retried, or never heard back from). Kept small: an upload
        /// that falls outside waits for `staleUploadAge`, while one taken for ours wrongly
        /// could be another process's live upload. Default 5 seconds.
        public var clockSkew: Duration = .seconds(5)
        /// How long after its request a create that never got a reply may have started an
        /// upload (its attempts and their timeouts). Default 5 minutes.
        public var unansweredCreateBound: Duration = .seconds(300)

        public init() {}
    }

    /// Whether writes ask the store not to replace an object.
    var createOnly: Bool { configuration.createOnly && store.target.conditionalWrites }

    /// The smallest part S3 and COS accept (except the last).
    public static let minimumPartSize: Int64 = 5 << 20
    static let maximumPartCount: Int64 = 10_000

    public let store: any ObjectStore
    public var configuration: Configuration
    /// Where the multipart uploads started here are recorded, for sweeps to tell them
    /// from other processes' uploads. Default: in this process's memory.
    public var ledger: any MultipartUploadLedger
    let logger: Logger

    public init(
        store: any ObjectStore, configuration: Configuration = Configuration(),
        ledger: any MultipartUploadLedger = ProcessUploadLedger(), logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
    }

    /// The digests of a file known beforehand (hex), as a window file's are from the index.
    public struct KnownDigests: Sendable {
        public var md5: String
        public var sha256: String

        public init(md5: String, sha256: String) {
            self.md5 = md5
            self.sha256 = sha256
        }
    }

    /// Uploads the file at `path` to `key` and returns what the store confirmed.
    ///
    /// With `known` digests the file is not read for them: a single PUT sends them as
    /// Content-MD5 and the signed SHA-256, so the store itself refuses bytes that differ
    /// from them; parts are hashed from the bytes sent.
    public func upload(
        file path: String, to key: String, metadata: [String: String] = [:], known: KnownDigests? = nil
    ) async throws -> UploadedObject {
        let whole: ObjectPayload
        if let known, let md5 = Data(hex: known.md5), let sha256 = Data(hex: known.sha256) {
            let size = try await BlockingIO.run { try FileReader(path: path).size() }
            whole = ObjectPayload(source: .file(path: path, offset: 0, length: size), length: size, md5: md5, sha256: sha256)
        } else {
            whole = try await ObjectPayload.file(path: path)
        }
        var metadata = metadata
        metadata["sha256"] = whole.sha256Hex
        if whole.length < configuration.multipartThreshold {
            let etag = try await store.putObject(key: key, payload: whole, metadata: metadata, ifAbsent: createOnly)
            guard etag == whole.md5Hex else {
                throw mismatch("PUT", key, "the store's ETag \(etag) is not the MD5 \(whole.md5Hex) of the file")
            }
            logger.debug("uploaded object", metadata: ["key": "\(key)", "size": "\(whole.length)"])
            return UploadedObject(
                key: key, size: whole.length, etag: etag, md5: whole.md5Hex, sha256: whole.sha256Hex, partCount: 1)
        }
        return try await uploadInParts(path: path, key: key, whole: whole, metadata: metadata)
    }

    /// What a key holds, compared with a file about to go there.
    public enum ExistingObject: Sendable {
        case none
        /// The same bytes: a caller that skips the upload records this ETag.
        case same(ObjectInfo)
        /// Other bytes, or bytes that cannot be told to be the same: never replaced.
        case other(ObjectInfo)
    }

    /// Whether `key` holds a file with this SHA-256 (from the `sha256` metadata) or, for
    /// a single-part object without that metadata, this MD5 (the ETag).
    public func existingObject(key: String, sha256: String, md5: String? = nil, size: Int64? = nil) async throws -> ExistingObject {
        guard let info = try await store.headObject(key: key) else { return .none }
        if let size, info.size != size { return .other(info) }
        if let stored = info.metadata["sha256"] { return stored.lowercased() == sha256.lowercased() ? .same(info) : .other(info) }
        if let md5, !info.etag.contains("-") { return info.etag.lowercased() == md5.lowercased() ? .same(info) : .other(info) }
        return .other(info)
    }

    /// The part size used for a file of `size` bytes: the configured one, raised to
    /// the 5 MiB minimum and, for huge files, to stay within 10,000 parts.
    func partSize(for size: Int64) -> Int64 {
        var part = max(configuration.partSize, Self.minimumPartSize)
        if size > part * Self.maximumPartCount {
            part = (size + Self.maximumPartCount - 1) / Self.maximumPartCount
        }
        return part
    }

    /// S3's ETag for a multipart object: MD5 of the parts' MD5s, then `-` and the part count.
    public static func multipartETag(partMD5s: [Data]) -> String {
        Data(Insecure.MD5.hash(data: partMD5s.reduce(Data(), +))).hexString + "-\(partMD5s.count)"
    }

    func mismatch(_ operation: String, _ key: String, _ message: String) -> ObjectStoreError {
        ObjectStoreError(
            .checksumMismatch, message: message, operation: operation, bucket: store.target.bucketDescription,
            key: store.target.fullKey(key))
    }
}
