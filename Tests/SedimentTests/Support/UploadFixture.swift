import Foundation
import GRDB
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// An archive of closed windows and the shared SeaweedFS to upload them to. Each test
/// makes its own buckets, so the upload suites run in parallel without seeing each other.
final class UploadFixture {
    let archive: CompactionFixture
    let server: SeaweedFS
    let scratch: TemporaryDirectory

    init(label: String) async throws {
        archive = CompactionFixture(label: label)
        scratch = TemporaryDirectory(label: label + "-scratch")
        server = try await SeaweedFS.running()
    }

    var path: String { archive.path }

    /// `windows` 5-minute windows from `windowBase`, each of `perWindow` messages whose
    /// values are `valueBytes` pseudo-random bytes: not UTF-8, so jsonl writes them as
    /// base64, which gzip level 1 barely shrinks. A window file is then about
    /// `perWindow * valueBytes` bytes, which is how the tests size their multipart windows.
    func fill(windows: Int, perWindow: Int, valueBytes: Int, seed: UInt64 = 7) throws {
        try fill(Array(repeating: (perWindow, valueBytes), count: windows), seed: seed)
    }

    /// A new fixture filled as `fill(windows:perWindow:valueBytes:)` fills it, its window
    /// files, and a new bucket named from `bucket`: what most upload tests start from.
    static func filled(
        label: String, windows: Int, perWindow: Int, valueBytes: Int, bucket: String
    ) async throws -> (fixture: UploadFixture, files: [WindowFile], bucket: String) {
        let fixture = try await UploadFixture(label: label)
        try fixture.fill(windows: windows, perWindow: perWindow, valueBytes: valueBytes)
        return (fixture, try fixture.archive.files(), try await fixture.server.makeBucket(bucket))
    }

    /// As `filled`, with every window uploaded to the bucket by the library's uploader.
    static func uploaded(
        label: String, windows: Int, perWindow: Int, valueBytes: Int, bucket: String
    ) async throws -> (fixture: UploadFixture, files: [WindowFile], bucket: String, summary: UploadSummary) {
        let (fixture, files, bucket) = try await filled(label: label, windows: windows, perWindow: perWindow, valueBytes: valueBytes, bucket: bucket)
        let uploader = try fixture.uploader(bucket: bucket)
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        return (fixture, files, bucket, summary)
    }

    /// One 5-minute window per shape, in order from `windowBase`; files split past `maxFileSize`.
    func fill(_ shapes: [(perWindow: Int, valueBytes: Int)], seed: UInt64 = 7, maxFileSize: Int64? = nil) throws {
        let random = TestFiles.bytes(size: shapes.reduce(0) { $0 + $1.perWindow * $1.valueBytes }, seed: seed)
        var start = 0
        var offset: Int64 = 0
        for (window, shape) in shapes.enumerated() {
            var messages: [Message] = []
            for index in 0..<shape.perWindow {
                messages.append(Message(
                    offset: offset, timestamp: windowBase + minutes(5) * Int64(window) + Int64(index) * 10,
                    value: [UInt8](random[start..<start + shape.valueBytes])))
                start += shape.valueBytes
                offset += 1
            }
            // Append per window: the writer holds a whole batch in memory.
            try archive.append(messages)
        }
        var change = granularity(5)
        change.format = .jsonl
        change.compressionLevel = 1
        change.maxFileSize = maxFileSize
        try archive.compact(change, closeAll: true)
    }

    /// The URI of `bucket` (under `prefix`) on SeaweedFS, or through `endpoint` (a proxy).
    func targetURI(bucket: String, prefix: String = "", endpoint: String? = nil) -> String {
        server.uri(bucket: bucket, prefix: prefix, endpoint: endpoint)
    }

    /// The environment the CLI reads s3:// credentials from.
    static func credentials(secret: String = SeaweedFS.secretKey) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": SeaweedFS.accessKey, "AWS_SECRET_ACCESS_KEY": secret]
    }

    /// A library uploader to `bucket`; the caller runs it inside `closingStore`.
    func uploader(
        bucket: String, endpoint: String? = nil, secretKey: String = SeaweedFS.secretKey,
        configuration: HTTPObjectStore.Configuration = SeaweedFS.fastRetries,
        template: String = KeyTemplate.defaultTemplate, partSize: Int64 = 8 << 20, threshold: Int64 = 16 << 20,
        clockSkew: Duration? = nil
    ) throws -> WindowUploader {
        let store = try server.store(bucket: bucket, endpoint: endpoint, secretKey: secretKey, configuration: configuration)
        var options = WindowUploader.Options(template: try KeyTemplate(template))
        options.uploader.partSize = partSize
        options.uploader.multipartThreshold = threshold
        if let clockSkew { options.uploader.clockSkew = clockSkew }
        return try WindowUploader(
            archive: path, store: store, targetURI: targetURI(bucket: bucket, endpoint: endpoint), options: options,
            logger: Logger(label: "test.upload"))
    }

    /// The key the default template gives: the file's path under `windows/`.
    static func defaultKey(_ file: WindowFile) -> String {
        let seconds = file.windowStart / 1000
        let day = UTCDate.day(ofMilliseconds: file.windowStart)
        return "\(file.instance)/\(file.topic)/\(day)/\(seconds)" + (file.splitPartition.map { ".p\($0)" } ?? "")
            + (file.part > 1 ? ".part\(file.part)" : "") + ".jsonl.gz"
    }

    /// One row of `window_uploads`, with its target's URI.
    struct UploadRow: Equatable {
        var fileID: Int64
        var target: String
        var key: String
        var state: String
        var etag: String?
        var error: String?
        var attempts: Int
    }

    func uploadRows() throws -> [UploadRow] {
        try Archive.open(at: path).index.read { db in
            try Row.fetchAll(db, sql: """
                SELECT u.file_id, t.uri, u.key, u.state, u.etag, u.error, u.attempts
                FROM window_uploads u JOIN upload_targets t ON t.id = u.target_id ORDER BY t.uri, u.file_id
                """
            ).map { UploadRow(fileID: $0[0], target: $0[1], key: $0[2], state: $0[3], etag: $0[4], error: $0[5], attempts: $0[6]) }
        }
    }

    /// The bucket holds exactly `expected` (file → key), each with its manifest beside it,
    /// and every object reads back byte-identical with its local file, whose SHA-256 and
    /// MD5 are the ones the index recorded; each manifest describes its object (size,
    /// checksums, members that tile it). Reads go straight to SeaweedFS, never through a
    /// test's proxy.
    func expectBucket(_ bucket: String, holds expected: [(file: WindowFile, key: String)], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await server.withStore(bucket: bucket) { store in
            let everything = try await store.listObjects(prefix: "")
            let listed = everything.filter { !$0.key.hasSuffix(".manifest.json") }
            #expect(listed.map(\.key) == expected.map(\.key).sorted(), "the bucket's keys", sourceLocation: sourceLocation)
            #expect(
                everything.filter { $0.key.hasSuffix(".manifest.json") }.map(\.key)
                    == expected.map { WindowManifest.key(forObject: $0.key) }.sorted(),
                "a manifest beside each object", sourceLocation: sourceLocation)
            for (file, key) in expected {
                let local = try archive.contents(of: file)
                #expect(TestFiles.sha256(local) == file.sha256 && TestFiles.md5(local) == file.md5, "\(file.path) matches the index", sourceLocation: sourceLocation)
                let remote = try await store.getObject(key: key, range: nil, maxBytes: 128 << 20)
                #expect(remote.count == local.count && TestFiles.sha256(remote) == file.sha256, "\(key) reads back as \(file.path)", sourceLocation: sourceLocation)
                #expect(listed.first { $0.key == key }?.size == file.size, sourceLocation: sourceLocation)
                let manifest = try JSONDecoder().decode(
                    WindowManifest.self, from: try await store.getObject(key: WindowManifest.key(forObject: key)))
                #expect(manifest.sha256 == file.sha256 && manifest.md5 == file.md5 && manifest.size == file.size
                    && manifest.count == file.count && manifest.part == file.part, "\(key)'s manifest", sourceLocation: sourceLocation)
                var next: Int64 = 0
                for member in manifest.members {
                    #expect(member.offset == next && member.length > 0, "members tile \(key)", sourceLocation: sourceLocation)
                    next = member.offset + Int64(member.length)
                }
                #expect(next == file.size && manifest.members.reduce(0) { $0 + $1.count } == file.count, sourceLocation: sourceLocation)
                #expect(manifest.partitions.reduce(0) { $0 + $1.count } == file.count, sourceLocation: sourceLocation)
            }
            let open = try await store.listMultipartUploads(prefix: "")
            #expect(open.isEmpty, "no multipart upload left open: \(open)", sourceLocation: sourceLocation)
        }
    }
}
