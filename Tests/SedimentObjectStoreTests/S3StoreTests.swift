import Crypto
import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// The S3 backend against a real SeaweedFS gateway with SigV4 enforced.
@Suite struct S3StoreTests {
    let logger = Logger(label: "test.s3")

    @Test func singleUploadRoundTripsByteIdentical() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("single")
        let path = try TestFiles.make(size: 3 << 20 + 17, seed: 1)
        try await server.withStore(bucket: bucket) { store async throws in
            let uploader = ObjectUploader(store: store, logger: logger)
            let key = "local/orders/2026-11-25/1764072000.jsonl.gz"
            let uploaded = try await uploader.upload(file: path, to: key, metadata: ["format": "jsonl"])
            #expect(uploaded.partCount == 1)
            #expect(uploaded.etag == uploaded.md5)
            let info = try #require(try await store.headObject(key: key))
            #expect(info.size == 3 << 20 + 17)
            #expect(info.etag == uploaded.md5)
            #expect(info.metadata["sha256"] == uploaded.sha256)
            #expect(info.metadata["format"] == "jsonl")
            let body = try await store.getObject(key: key)
            #expect(TestFiles.sha256(body) == (try TestFiles.sha256(file: path)))
            #expect(try await store.listObjects(prefix: "local/").map(\.key) == [key])
        }
    }

    @Test func multipartUploadOf40MBRoundTripsByteIdentical() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("multi")
        let path = try TestFiles.make(size: 40_000_000, seed: 2)
        try await server.withStore(bucket: bucket) { store async throws in
            let uploader = ObjectUploader(store: store, logger: logger)
            let key = "big/window part.jsonl.gz"
            let uploaded = try await uploader.upload(file: path, to: key)
            #expect(uploaded.partCount == 5)
            #expect(uploaded.size == 40_000_000)
            // SeaweedFS follows S3: MD5 of the parts' MD5s, then "-5".
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let partMD5s = stride(from: 0, to: bytes.count, by: 8 << 20).map { start in
                Data(Insecure.MD5.hash(data: bytes[start..<min(start + 8 << 20, bytes.count)]))
            }
            #expect(uploaded.etag == ObjectUploader.multipartETag(partMD5s: partMD5s))
            #expect(uploaded.etag.hasSuffix("-5"))
            let downloaded = try TestFiles.directory() + "/down.bin"
            #expect(try await store.downloadObject(key: key, range: nil, to: downloaded) == 40_000_000)
            #expect(try TestFiles.sha256(file: downloaded) == uploaded.sha256)
            #expect(try await store.listMultipartUploads(prefix: "").isEmpty)
            #expect(isSame(try await uploader.existingObject(key: key, sha256: uploaded.sha256)))
        }
    }
}

extension S3StoreTests {
    @Test func contractRoundTrips() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("contract")
        var configuration = SeaweedFS.fastRetries
        configuration.listPageSize = 2  // forces several pages per listing
        try await server.withStore(bucket: bucket, configuration: configuration) { store async throws in
            try await ObjectStoreContract.roundTrips(store)
        }
    }

    @Test func contractMultipart() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("contract-mp")
        try await server.withStore(bucket: bucket) { store async throws in
            try await ObjectStoreContract.multipart(store)
        }
    }

    @Test func prefixedTargetKeepsKeysRelative() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("prefixed")
        let target = try ObjectTarget(parsing: "s3://\(bucket)/archive/v1?endpoint=\(server.endpoint)&region=us-east-1&path-style=true")
        let store = try HTTPObjectStore(
            target: target, credentials: Credentials(accessKeyID: SeaweedFS.accessKey, secretAccessKey: SeaweedFS.secretKey),
            logger: logger)
        _ = try await store.putObject(key: "a/b.txt", payload: ObjectPayload(bytes: Data("hello".utf8)))
        #expect(try await store.listObjects(prefix: "").map(\.key) == ["a/b.txt"])
        try await server.withStore(bucket: bucket) { plain async throws in
            #expect(try await plain.listObjects(prefix: "").map(\.key) == ["archive/v1/a/b.txt"])
        }
        try await store.shutdown()
    }
}
