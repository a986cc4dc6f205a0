import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// `probeWrites`: a target that takes writes is left as it was; one that cannot be
/// written fails with the store's own error, naming the bucket and the probe's key.
@Suite struct WriteProbeTests {
    @Test func aWritableBucketIsLeftAsItWas() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("probe")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let store = try server.store(bucket: bucket, endpoint: proxy.endpoint, credentials: SeaweedFS.admin.credentials)
        let prefixed = try HTTPObjectStore(
            target: server.target(bucket: bucket, prefix: "archive/prod", endpoint: proxy.endpoint),
            credentials: SeaweedFS.rotated.credentials, logger: Logger(label: "test"))
        for store in [store, prefixed] {
            let leftBehind = try await store.closing { try await store.probeWrites() }
            #expect(leftBehind == nil)
        }
        let keys = try await server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "").map(\.key) }
        #expect(keys.isEmpty, "\(keys)")
        // A PUT then a DELETE each, under the prefix, create-only as uploads are.
        #expect(proxy.requests.map(\.method) == ["PUT", "DELETE", "PUT", "DELETE"])
        #expect(proxy.requests[0].target.hasPrefix("/\(bucket)/.sediment-probe-"), "\(proxy.requests[0].target)")
        #expect(proxy.requests[2].target.hasPrefix("/\(bucket)/archive/prod/.sediment-probe-"), "\(proxy.requests[2].target)")
        #expect(proxy.requests[0].headers.contains { $0.lowercased() == "if-none-match: *" })
    }

    @Test func aReadOnlyIdentityAMissingBucketAndAWrongSecretAreRefused() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("probe-refused")
        let refusals: [(bucket: String, credentials: Credentials, code: ObjectStoreError.Code, serverCode: String)] = [
            (bucket, SeaweedFS.readOnly.credentials, .accessDenied, "AccessDenied"),
            ("probe-never-created", SeaweedFS.admin.credentials, .noSuchBucket, "NoSuchBucket"),
            (bucket, Credentials(accessKeyID: SeaweedFS.accessKey, secretAccessKey: "wrong-probe-secret"), .signatureDoesNotMatch, "SignatureDoesNotMatch"),
        ]
        for refusal in refusals {
            let store = try HTTPObjectStore(
                target: server.target(bucket: refusal.bucket, prefix: "p"), credentials: refusal.credentials, logger: Logger(label: "test"))
            let error = try await store.closing {
                await #expect(throws: ObjectStoreError.self) { try await store.probeWrites() }
            }
            #expect(error?.code == refusal.code && error?.serverCode == refusal.serverCode, "\(String(describing: error))")
            #expect("\(error!)".hasPrefix("PUT s3://\(refusal.bucket)/p/.sediment-probe-"), "\(error!)")
        }
        let keys = try await server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "").map(\.key) }
        #expect(keys.isEmpty)
    }

    @Test func aDirectoryIsCreatedAndLeftEmpty() async throws {
        let root = try TestFiles.directory()
        let store = try FileObjectStore(target: ObjectTarget(parsing: "file://\(root)/bucket/not/yet/made"))
        #expect(try await store.probeWrites() == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bucket/not/yet/made") == [])
    }

    /// Tests run as root, whom permissions do not stop: a directory under a regular file
    /// cannot be made by anyone.
    @Test func aDirectoryThatCannotBeMadeIsRefused() async throws {
        let root = try TestFiles.directory()
        try Data().write(to: URL(fileURLWithPath: root + "/file"))
        let store = try FileObjectStore(target: ObjectTarget(parsing: "file://\(root)/file/bucket"))
        let error = await #expect(throws: ObjectStoreError.self) { try await store.probeWrites() }
        #expect(error?.code == .fileSystem)
        #expect("\(error!)".hasPrefix("PUT file://\(root)/file/bucket/.sediment-probe-"), "\(error!)")
    }
}
