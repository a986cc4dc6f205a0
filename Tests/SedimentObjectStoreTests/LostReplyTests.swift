import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// How a retried CompleteMultipartUpload settles after its first reply was lost,
/// against SeaweedFS: either the store completes it again (SeaweedFS does, answering
/// with the same ETag), or it answers NoSuchUpload and the object's ETag decides.
@Suite struct LostReplyTests {
    func completedUpload(_ store: HTTPObjectStore) async throws -> (uploadID: String, parts: [CompletedPart], etag: String) {
        let part = ObjectPayload(bytes: TestFiles.bytes(size: 100_000, seed: 21))
        let uploadID = try await store.createMultipartUpload(key: "k.bin", metadata: [:])
        let parts = [CompletedPart(partNumber: 1, etag: try await store.uploadPart(key: "k.bin", uploadID: uploadID, partNumber: 1, payload: part))]
        let expected = ObjectUploader.multipartETag(partMD5s: [part.md5])
        let etag = try await store.completeMultipartUpload(key: "k.bin", uploadID: uploadID, parts: parts, expectedETag: expected)
        #expect(etag == expected)
        return (uploadID, parts, etag)
    }

    @Test func completingTwiceGivesTheSameObject() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("twice")
        try await server.withStore(bucket: bucket) { store async throws in
            let (uploadID, parts, etag) = try await completedUpload(store)
            // No expected ETag: only a store that completes again (no NoSuchUpload) can succeed here.
            let again = try await store.completeMultipartUpload(key: "k.bin", uploadID: uploadID, parts: parts, expectedETag: nil)
            #expect(again == etag)
        }
    }

    @Test func noSuchUploadIsAcceptedOnlyWhenTheObjectHasTheExpectedETag() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("nosuchupload")
        try await server.withStore(bucket: bucket) { store async throws in
            let (_, parts, etag) = try await completedUpload(store)
            let unknownUpload = "0000000000000000000000000000000000000000"
            #expect(try await store.completeMultipartUpload(key: "k.bin", uploadID: unknownUpload, parts: parts, expectedETag: etag) == etag)
            let error = await #expect(throws: ObjectStoreError.self) {
                try await store.completeMultipartUpload(key: "k.bin", uploadID: unknownUpload, parts: parts, expectedETag: "0-1")
            }
            #expect(error?.code == .noSuchUpload)
            #expect(error?.isRetriable == false)
        }
    }
}
