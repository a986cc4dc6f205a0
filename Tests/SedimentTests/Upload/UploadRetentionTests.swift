import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// Local retention never deletes the only copy: a window file past `--local-retention`
/// stays until every continuous target (one `upload` was given) has confirmed it.
@Suite("Upload and local retention")
struct UploadRetentionTests {
    @Test("compact --local-retention keeps window files a target has not confirmed, and deletes them once it has")
    func retentionWaitsForTheTarget() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-retention", windows: 3, perWindow: 10, valueBytes: 200, bucket: "retention")
        let upload = ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket)]
        // The windows are from 2023: a minute of retention has long expired for all of them.
        let compact = ["compact", "--archive", fixture.path, "--local-retention", "1m"]
        func onDisk() -> [Bool] { files.map { FileManager.default.fileExists(atPath: fixture.path + "/" + $0.path) } }

        // A target refused at its write probe is not recorded: retention has none to wait
        // for, and refuses to delete window files at all.
        let refused = try CLIProcess.run(upload, scratch: fixture.scratch, environment: UploadFixture.credentials(secret: "wrong"))
        #expect(!refused.signaled && refused.status == ExitStatus.remote, "\(refused.summary)")
        let noTarget = try CLIProcess.run(compact, scratch: fixture.scratch)
        #expect(!noTarget.signaled && noTarget.status == ExitStatus.usage, "\(noTarget.summary)")
        #expect(onDisk() == [true, true, true])

        // A failed upload (past the probe) still makes the target one that retention waits for.
        let failing = try fixture.uploader(bucket: bucket, secretKey: "wrong")
        await #expect(throws: (any Error).self) { try await failing.closingStore { try await failing.uploadPending() } }
        _ = try CLIProcess.succeed(compact, scratch: fixture.scratch)
        #expect(onDisk() == [true, true, true], "nothing was confirmed, so nothing is deleted")

        _ = try CLIProcess.succeed(upload, scratch: fixture.scratch, environment: UploadFixture.credentials())
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        _ = try CLIProcess.succeed(compact, scratch: fixture.scratch)
        #expect(onDisk() == [false, false, false], "every file is in the bucket now")
        let keys = try await fixture.server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "").map(\.key) }
        #expect(keys == files.map(UploadFixture.defaultKey).flatMap { [$0, WindowManifest.key(forObject: $0)] }.sorted())
    }
}
