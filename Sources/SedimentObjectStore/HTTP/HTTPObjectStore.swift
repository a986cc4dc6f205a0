import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The S3 and COS backends: one HTTP implementation, a signer per flavor.
///
/// Each operation retries transient failures by its `RetryPolicy`; a request whose
/// reply may have been lost is checked against the store before it is sent again
/// (see `putObject` and `completeMultipartUpload`). Call `shutdown()` when done if
/// the store created its own HTTP client.
public final class HTTPObjectStore: ObjectStore {
    public struct Configuration: Sendable {
        /// Retries of each operation. Default: 5 attempts, full jitter, 200 ms base.
        public var retry = RetryPolicy()
        /// How long one attempt may wait for the reply head (after the body was sent),
        /// and how long a reply body may stall. Default 120 s.
        public var requestTimeout: Duration = .seconds(120)
        /// How long opening a connection may take. Default 10 s.
        public var connectTimeout: Duration = .seconds(10)
        /// Largest error or listing body read into memory. Default 16 MiB.
        public var maxReplyBytes = 16 << 20
        /// Keys asked for per listing page (`max-keys`); nil leaves it to the store (1000).
        public var listPageSize: Int?

        public init() {}
    }

    public let target: ObjectTarget
    let signer: StoreSigner
    /// Asked before every request: credentials may change while the store is in use.
    let credentials: any CredentialsProvider
    let configuration: Configuration
    let client: HTTPClient
    private let ownsClient: Bool
    let logger: Logger

    /// A store for `target` (`s3://` or `cos://`), signing with what `credentials` gives
    /// at each request (a fixed `Credentials` value is a provider too). `httpClient`, when
    /// given, is used as is and not shut down by `shutdown()`.
    public init(
        target: ObjectTarget, credentials: any CredentialsProvider, configuration: Configuration = Configuration(),
        logger: Logger, httpClient: HTTPClient? = nil
    ) throws {
        guard target.endpoint != nil else {
            throw ObjectStoreError(.invalidTarget, message: "\(target) has no HTTP endpoint", bucket: target.bucketDescription)
        }
        switch target.flavor {
        case .s3: signer = .sigV4(region: target.region ?? "us-east-1")
        case .cos: signer = .cos
        case .file:
            throw ObjectStoreError(.invalidTarget, message: "file:// targets use FileObjectStore", bucket: target.bucketDescription)
        }
        self.target = target
        self.credentials = credentials
        self.configuration = configuration
        self.logger = logger
        if let httpClient {
            client = httpClient
            ownsClient = false
        } else {
            var config = HTTPClient.Configuration()
            config.timeout = .init(
                connect: .nanoseconds(RetryPolicy.nanoseconds(configuration.connectTimeout)),
                read: .nanoseconds(RetryPolicy.nanoseconds(configuration.requestTimeout)))
            config.decompression = .disabled
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            ownsClient = true
        }
    }

    /// Shuts the HTTP client down if this store created it.
    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }

    public func putObject(key: String, payload: ObjectPayload, metadata: [String: String], ifAbsent: Bool) async throws -> String {
        var request = StoreRequest(method: .PUT, key: key, body: .payload(payload))
        request.headers.append(("content-md5", payload.md5Base64))
        request.headers += metadataHeaders(metadata)
        if ifAbsent { request.headers += createOnlyHeaders }
        // A PUT whose reply was lost may have stored the object: if the store already
        // holds these exact bytes, sending them again is wasted work.
        let reply = try await perform(request, operation: "PUT") { _ in
            guard let info = try await self.headObject(key: key), info.etag == payload.md5Hex else { return nil }
            return StoreReply(status: 200, headers: ["etag": info.etag], body: ByteBuffer())
        }
        return reply.etag() ?? ""
    }

    public func headObject(key: String) async throws -> ObjectInfo? {
        let reply: StoreReply
        do {
            reply = try await perform(StoreRequest(method: .HEAD, key: key), operation: "HEAD")
        } catch let error as ObjectStoreError where error.httpStatus == 404 {
            if error.code == .noSuchBucket { throw error }
            return nil
        }
        let metaPrefix = signer.headerPrefix + "meta-"
        var metadata: [String: String] = [:]
        for header in reply.headers where header.name.lowercased().hasPrefix(metaPrefix) {
            metadata[String(header.name.lowercased().dropFirst(metaPrefix.count))] = header.value
        }
        return ObjectInfo(
            key: key, size: reply.headers.first(name: "content-length").flatMap { Int64($0) } ?? 0,
            etag: reply.etag() ?? "", metadata: metadata)
    }

    public func getObject(key: String, range: ClosedRange<Int64>?, maxBytes: Int) async throws -> Data {
        var request = StoreRequest(method: .GET, key: key)
        if let range { request.headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let reply = try await perform(request, operation: "GET", maxReplyBytes: maxBytes)
        return Data(reply.body.readableBytesView)
    }

    public func listObjects(prefix: String) async throws -> [ObjectInfo] {
        var objects: [ObjectInfo] = []
        var marker: String?
        repeat {
            var request = StoreRequest(method: .GET, key: nil)
            request.query = [("prefix", target.fullKey(prefix))]
            if let marker { request.query.append(("marker", marker)) }
            if let size = configuration.listPageSize { request.query.append(("max-keys", String(size))) }
            let xml = XMLScanner(try await perform(request, operation: "LIST").text)
            let page = xml.children("Contents").compactMap { item -> ObjectInfo? in
                guard let key = item.value("Key") else { return nil }
                return ObjectInfo(
                    key: target.relativeKey(key), size: item.value("Size").flatMap { Int64($0) } ?? 0,
                    etag: unquoted(item.value("ETag") ?? ""))
            }
            objects += page
            // Without a delimiter S3 may omit NextMarker; the last key is the marker then.
            let truncated = xml.value("IsTruncated") == "true"
            let next = xml.value("NextMarker") ?? xml.children("Contents").last?.value("Key")
            // A store that says "more" without a marker past this page would have the
            // listing end short, or ask for the same page forever.
            if truncated, next == nil || next == marker {
                throw error(
                    .invalidResponse, operation: "LIST", key: prefix,
                    message: "the listing is truncated but names no marker past \(marker.map { "'\($0)'" } ?? "its first page")")
            }
            marker = truncated ? next : nil
        } while marker != nil
        return objects.sorted { $0.key < $1.key }
    }

    public func deleteObject(key: String) async throws {
        do {
            _ = try await perform(StoreRequest(method: .DELETE, key: key), operation: "DELETE")
        } catch let error as ObjectStoreError where error.code == .noSuchKey {
            return
        }
    }

    /// Creates the bucket (used by tests and by `sediment` against a fresh SeaweedFS/MinIO).
    public func createBucket() async throws {
        do {
            _ = try await perform(StoreRequest(method: .PUT, key: nil), operation: "PUT bucket")
        } catch let error as ObjectStoreError where error.serverCode == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    /// What makes a write fail rather than replace an object: S3 (and SeaweedFS, MinIO)
    /// take `If-None-Match: *`, COS its own header.
    var createOnlyHeaders: [(String, String)] {
        switch target.flavor {
        case .cos: [("x-cos-forbid-overwrite", "true")]
        default: [("if-none-match", "*")]
        }
    }

    func metadataHeaders(_ metadata: [String: String]) -> [(String, String)] {
        metadata.sorted { $0.key < $1.key }.map { (signer.headerPrefix + "meta-" + $0.key.lowercased(), $0.value) }
    }
}
