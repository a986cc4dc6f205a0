import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// An upload never replaces an object that holds other content: the write is
/// create-only where the store takes that (S3's If-None-Match, COS's forbid-overwrite,
/// a link on a file:// target), and looked up first where it does not.
@Suite("Object collisions")
struct ObjectCollisionTests {
    static let other = Data("another worker's window, not this one\n".utf8)

    @Test("s3://, create-only or looked up first: a key holding other bytes fails the upload, names both windows and stays unchanged", arguments: [true, false])
    func s3Collision(conditionalWrites: Bool) async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "collision-s3", windows: 3, perWindow: 20, valueBytes: 100, bucket: "collision")
        let key = UploadFixture.defaultKey(files[1])
        try await fixture.server.withStore(bucket: bucket) { store in
            _ = try await store.putObject(key: key, payload: ObjectPayload(bytes: Self.other), metadata: ["sha256": "0123", "sediment-source": "feedbeef:windows/x/y.jsonl.gz"])
        }
        var target = try ObjectTarget(parsing: fixture.targetURI(bucket: bucket))
        target.conditionalWrites = conditionalWrites
        let store = try HTTPObjectStore(
            target: target, credentials: Credentials(accessKeyID: SeaweedFS.accessKey, secretAccessKey: SeaweedFS.secretKey),
            configuration: SeaweedFS.fastRetries, logger: Logger(label: "test.collision"))
        let uploader = try WindowUploader(
            archive: fixture.path, store: store, targetURI: fixture.targetURI(bucket: bucket),
            options: .init(template: try KeyTemplate(KeyTemplate.defaultTemplate)), logger: Logger(label: "test.collision"))
        let error = await #expect(throws: SedimentError.self) { try await uploader.closingStore { try await uploader.uploadPending() } }
        #expect(error?.code == .objectCollision)
        let message = error?.message ?? ""
        #expect(message.contains("s3://\(bucket)/\(key) already holds window windows/x/y.jsonl.gz of archive feedbeef"), "\(message)")
        #expect(message.contains("window \(files[1].path) of this archive"), "\(message)")
        try await fixture.server.withStore(bucket: bucket) { store in
            #expect(try await store.getObject(key: key) == Self.other, "the object already there is unchanged")
            let keys = try await store.listObjects(prefix: "").map(\.key).filter { !$0.hasSuffix(".manifest.json") }
            #expect(keys == files.map(UploadFixture.defaultKey), "the other windows went up")
        }
        let rows = try fixture.uploadRows()
        #expect(rows.map(\.state) == ["uploaded", "failed", "uploaded"], "\(rows)")
    }

    @Test("file://: sediment upload exits 65 (data) naming the key and both windows; the file there is unchanged; upload again still refuses")
    func fileCollision() async throws {
        let fixture = try await UploadFixture(label: "collision-file")
        try fixture.fill(windows: 2, perWindow: 20, valueBytes: 100)
        let files = try fixture.archive.files()
        let bucket = fixture.scratch.file("bucket")
        let key = UploadFixture.defaultKey(files[0])
        try FileManager.default.createDirectory(
            atPath: (bucket + "/" + key as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Self.other.write(to: URL(fileURLWithPath: bucket + "/" + key))
        let upload = ["upload", "--archive", fixture.path, "--target", "file://" + bucket]
        for _ in 0..<2 {
            let result = try CLIProcess.run(upload, scratch: fixture.scratch)
            #expect(!result.signaled && result.status == ExitStatus.data, "\(result.summary)")
            #expect(result.stderr.contains("file://\(bucket)/\(key) already holds an object Sediment did not write"), "\(result.stderr)")
            #expect(result.stderr.contains("window \(files[0].path) of this archive"), "\(result.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: bucket + "/" + key)) == Self.other)
        }
        let second = try Data(contentsOf: URL(fileURLWithPath: bucket + "/" + UploadFixture.defaultKey(files[1])))
        #expect(TestFiles.sha256(second) == files[1].sha256, "the window without a collision went up")
    }

    @Test("the stores' create-only writes: a PUT and a multipart completion onto an existing key fail with alreadyExists and change nothing")
    func createOnlyWrites() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("create-only")
        let directory = TemporaryDirectory(label: "create-only")
        let stores: [any ObjectStore] = [try server.store(bucket: bucket), try FileObjectStore(directory: directory.path)]
        for store in stores {
            _ = try await store.putObject(key: "k", payload: ObjectPayload(bytes: Self.other))
            let put = await #expect(throws: ObjectStoreError.self) {
                try await store.putObject(key: "k", payload: ObjectPayload(bytes: Data("new".utf8)), metadata: [:], ifAbsent: true)
            }
            #expect(put?.code == .alreadyExists, "\(store.target): \(String(describing: put))")
            let upload = try await store.createMultipartUpload(key: "k", metadata: [:])
            let part = try await store.uploadPart(key: "k", uploadID: upload, partNumber: 1, payload: ObjectPayload(bytes: Data("new".utf8)))
            let completed = await #expect(throws: ObjectStoreError.self) {
                try await store.completeMultipartUpload(
                    key: "k", uploadID: upload, parts: [CompletedPart(partNumber: 1, etag: part)], expectedETag: nil, ifAbsent: true)
            }
            #expect(completed?.code == .alreadyExists, "\(store.target): \(String(describing: completed))")
            try await store.abortMultipartUpload(key: "k", uploadID: upload)
            #expect(try await store.getObject(key: "k") == Self.other, "\(store.target)")
            // Without the condition a PUT replaces, as S3 does.
            _ = try await store.putObject(key: "k", payload: ObjectPayload(bytes: Data("new".utf8)))
            #expect(try await store.getObject(key: "k") == Data("new".utf8))
            try await store.shutdown()
        }
    }
}
