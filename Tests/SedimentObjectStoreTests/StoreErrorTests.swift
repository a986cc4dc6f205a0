import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// Final errors from a real server: clear, naming bucket and key, and not retried.
@Suite struct StoreErrorTests {
    let logger = Logger(label: "test.errors")

    @Test func wrongSecretFailsOnceWithSignatureDoesNotMatch() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("secret")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let path = try TestFiles.make(size: 1000, seed: 3)
        let wrongSecret = "definitely-not-the-secret-9f3"
        try await server.withStore(bucket: bucket, endpoint: proxy.endpoint, secretKey: wrongSecret) { store async throws in
            let uploader = ObjectUploader(store: store, logger: logger)
            let error = try #require(await #expect(throws: ObjectStoreError.self) {
                try await uploader.upload(file: path, to: "dir/key.bin")
            })
            #expect(error.code == .signatureDoesNotMatch)
            #expect(error.httpStatus == 403)
            #expect(!error.isRetriable)
            let text = "\(error)"
            #expect(text.hasPrefix("PUT s3://\(bucket)/dir/key.bin failed: 403 SignatureDoesNotMatch"), "\(text)")
            #expect(!text.contains(wrongSecret) && !text.contains(SeaweedFS.secretKey))
            #expect(!String(reflecting: error).contains(wrongSecret))
        }
        #expect(proxy.requests.count == 1, "a 403 is not retried: \(proxy.requests.map(\.kind))")
    }

    @Test func missingBucketFailsWithNoSuchBucket() async throws {
        let server = try await SeaweedFS.running()
        let path = try TestFiles.make(size: 1000, seed: 4)
        try await server.withStore(bucket: "no-such-bucket-here") { store async throws in
            let uploader = ObjectUploader(store: store, logger: logger)
            let error = try #require(await #expect(throws: ObjectStoreError.self) {
                try await uploader.upload(file: path, to: "a.bin")
            })
            #expect(error.code == .noSuchBucket)
            #expect(error.httpStatus == 404)
            #expect("\(error)".hasPrefix("PUT s3://no-such-bucket-here/a.bin failed: 404 NoSuchBucket"), "\(error)")
        }
    }
}
