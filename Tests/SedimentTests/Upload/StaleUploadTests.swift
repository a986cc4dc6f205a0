import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// What a crashed multipart upload leaves in the store (an open upload nobody will finish)
/// is cleaned by the next run of the file, even when that run needs no multipart upload.
@Suite("Stale multipart uploads")
struct StaleUploadTests {
    @Test("a rerun with single PUTs, or one that finds the object already there, aborts the crashed run's open upload and records the ETag")
    func rerunSweepsWhatACrashLeft() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-stale", windows: 2, perWindow: 20, valueBytes: 500, bucket: "stale")
        let keys = files.map(UploadFixture.defaultKey)

        // The state a SIGKILL mid-part leaves (as `sediment upload --multipart-threshold 5MiB`
        // did in the crash test): both files `uploading`, an open upload for each key, and
        // the second file's object complete (killed after Complete, before the index knew).
        let uri = fixture.targetURI(bucket: bucket)
        let archive = try Archive.openForUpdate(at: fixture.path, logger: Logger(label: "test"))
        let targetID = try archive.index.registerTarget(
            UploadTargetRecord(uri: uri, template: try KeyTemplate(KeyTemplate.defaultTemplate), continuous: true), at: 0)
        try await fixture.server.withStore(bucket: bucket) { store in
            for (file, key) in zip(files, keys) {
                try archive.index.setUploadState(fileID: file.id, targetID: targetID, key: key, .uploading, at: 0)
                _ = try await store.createMultipartUpload(key: key, metadata: [:])
            }
            let second = try fixture.archive.contents(of: files[1])
            _ = try await store.putObject(key: keys[1], payload: ObjectPayload(bytes: second), metadata: ["sha256": files[1].sha256])
            #expect(try await store.listMultipartUploads(prefix: "").count == 2)
        }

        // The rerun, with the default 16 MiB threshold: these small files go up in one PUT.
        let uploader = try fixture.uploader(bucket: bucket)
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        #expect(summary.objects == 1 && summary.skipped == 1, "\(summary)")
        try await fixture.expectBucket(bucket, holds: Array(zip(files, keys)))
        // The skipped file's row keeps the ETag the store has, as an uploaded one does.
        let rows = try fixture.uploadRows()
        #expect(rows.allSatisfy { $0.state == "uploaded" } && rows.map(\.etag) == files.map(\.md5), "\(rows)")
    }
}
