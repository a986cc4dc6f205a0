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
        // did in the crash test): both files `uploading`, an open upload for each key, which
        // the index records as this archive's, and the second file's object complete (killed
        // after Complete, before the index knew).
        let uri = fixture.targetURI(bucket: bucket)
        let archive = try Archive.openForUpdate(at: fixture.path, logger: Logger(label: "test"))
        let targetID = try archive.index.registerTarget(
            UploadTargetRecord(uri: uri, template: try KeyTemplate(KeyTemplate.defaultTemplate), continuous: true), at: 0)
        try await fixture.server.withStore(bucket: bucket) { store in
            for (file, key) in zip(files, keys) {
                try archive.index.setUploadState(fileID: file.id, targetID: targetID, key: key, .uploading, at: 0)
                let handle = try archive.index.recordMultipartUploadStarting(targetID: targetID, key: key, at: 0)
                try archive.index.recordMultipartUploadStarted(handle, uploadID: try await store.createMultipartUpload(key: key, metadata: [:]), at: 0)
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
        // The crashed run's uploads are aborted, and the index no longer records them.
        try await fixture.server.withStore(bucket: bucket) { store in
            let open = try await store.listMultipartUploads(prefix: "")
            #expect(open.isEmpty, "the crashed run's uploads are still open: \(open)")
        }
        #expect(try keys.allSatisfy { try archive.index.multipartUploads(targetID: targetID, key: $0).isEmpty })
    }

    @Test("the sweep after an upload leaves a young open upload of the same key alone when this archive did not start it (another process's, maybe live); past the age bound it is aborted")
    func sweepSparesOthersUploads() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-sweep-others", windows: 1, perWindow: 1500, valueBytes: 4096, bucket: "sweep-others")
        let file = try #require(files.first)
        let key = UploadFixture.defaultKey(file)
        let others = try await fixture.server.withStore(bucket: bucket) { store in
            try await store.createMultipartUpload(key: key, metadata: [:])
        }
        // One this archive recorded (a crashed run's), as young as the other: only the index
        // tells them apart, and the sweep aborts this one.
        let archive = try Archive.openForUpdate(at: fixture.path, logger: Logger(label: "test"))
        let targetID = try archive.index.registerTarget(
            UploadTargetRecord(uri: fixture.targetURI(bucket: bucket), template: try KeyTemplate(KeyTemplate.defaultTemplate), continuous: true), at: 0)
        let ours = try await fixture.server.withStore(bucket: bucket) { store in
            let handle = try archive.index.recordMultipartUploadStarting(targetID: targetID, key: key, at: 0)
            let id = try await store.createMultipartUpload(key: key, metadata: [:])
            try archive.index.recordMultipartUploadStarted(handle, uploadID: id, at: 0)
            return id
        }
        // An upload that starts within the clock skew of one of ours cannot be told from an
        // attempt of ours whose reply was lost, and is swept: these two start well before.
        try await Task.sleep(for: .seconds(2.5))
        // A multipart upload of the same key, completed, then swept.
        let uploader = try fixture.uploader(bucket: bucket, partSize: 5 << 20, threshold: 5 << 20, clockSkew: .milliseconds(500))
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        #expect(summary.objects == 1 && summary.failed == 0, "\(summary)")
        try await fixture.server.withStore(bucket: bucket) { store in
            let open = try await store.listMultipartUploads(prefix: "")
            #expect(open.map(\.uploadID) == [others], "only the other process's upload is open, not this archive's \(ours): \(open)")
        }
        #expect(try archive.index.multipartUploads(targetID: targetID, key: key).isEmpty, "the index forgot the swept upload")

        // The same sweep with a bound it has passed: left behind, whoever started it.
        try await fixture.server.withStore(bucket: bucket) { store in
            var configuration = ObjectUploader.Configuration()
            configuration.staleUploadAge = .zero
            try await Task.sleep(for: .seconds(1.1))
            await ObjectUploader(store: store, configuration: configuration, logger: Logger(label: "test")).sweepStaleUploads(key: key)
            let open = try await store.listMultipartUploads(prefix: "")
            #expect(open.isEmpty, "\(open)")
        }
    }
}
