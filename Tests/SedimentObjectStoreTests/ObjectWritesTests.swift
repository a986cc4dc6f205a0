import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// The soak tests' rewrite check, shown able to fail: writes through `FaultProxy` that do
/// replace objects (no create-only condition) are seen as rewrites, and only those.
@Suite struct ObjectWritesTests {
    @Test("an object replaced with other bytes, by a PUT or a multipart upload, is a rewrite; the same bytes again, a refused create-only write and a probe are not; a deletion is counted")
    func seesRewrites() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("writes")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        try await server.withStore(bucket: bucket, endpoint: proxy.endpoint) { store in
            func put(_ key: String, _ text: String, ifAbsent: Bool = false) async throws {
                _ = try await store.putObject(key: key, payload: ObjectPayload(bytes: Data(text.utf8)), metadata: [:], ifAbsent: ifAbsent)
            }
            try await put("dir/same", "a", ifAbsent: true)
            try await put("dir/same", "a")
            await #expect(throws: (any Error).self) { try await put("dir/same", "c", ifAbsent: true) }
            try await put("dir/changed", "a", ifAbsent: true)
            try await put("dir/changed", "b")
            for text in ["x", "y"] {
                let id = try await store.createMultipartUpload(key: "dir/parts", metadata: [:])
                let etag = try await store.uploadPart(key: "dir/parts", uploadID: id, partNumber: 1, payload: ObjectPayload(bytes: Data(text.utf8)))
                _ = try await store.completeMultipartUpload(
                    key: "dir/parts", uploadID: id, parts: [CompletedPart(partNumber: 1, etag: etag)], expectedETag: nil, ifAbsent: false)
            }
            try await put("dir/gone", "a", ifAbsent: true)
            try await store.deleteObject(key: "dir/gone")
            _ = try await store.probeWrites()
        }
        let writes = ObjectWrites(proxy.requests, bucket: bucket)
        #expect(Set(writes.rewritten.keys) == ["dir/changed", "dir/parts"], "\(writes.etags)")
        #expect(writes.deleted == ["dir/gone"])
        #expect(writes.withoutETag.isEmpty && writes.multipart == 2)
        let listed = try await server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "") }
        #expect(listed.count == 3 && listed.allSatisfy { writes.etags[$0.key]?.last == $0.etag }, "the ETags as the store lists them: \(listed)")
    }
}
