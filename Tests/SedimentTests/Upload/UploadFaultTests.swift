import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// `WindowUploader` through the fault proxy to SeaweedFS: every kind of transient fault
/// on every kind of request, and still each window ends uploaded, verified, once.
@Suite("Upload faults")
struct UploadFaultTests {
    @Test("5xx, resets mid-body, slow replies past the timeout, lost replies: every window uploaded and verified")
    func everyFaultOnce() async throws {
        let fixture = try await UploadFixture(label: "upload-faults")
        // Four single-PUT windows, then two of ~10 MB that go up in 5 MiB parts.
        try fixture.fill([(20, 500), (20, 500), (20, 500), (20, 500), (2600, 4096), (2600, 4096)], seed: 21)
        let files = try fixture.archive.files()
        let bucket = try await fixture.server.makeBucket("faults")
        let proxy = try FaultProxy(upstreamPort: fixture.server.s3Port)
        defer { proxy.stop() }
        proxy.inject([
            .init(kind: .putObject, fault: .status(503)),
            .init(kind: .putObject, fault: .resetMidBody),
            .init(kind: .putObject, fault: .slow(seconds: 4)),
            .init(kind: .putObject, fault: .dropReply),
            .init(kind: .createMultipart, fault: .status(500)),
            .init(kind: .createMultipart, fault: .dropReply),
            .init(kind: .uploadPart, fault: .status(503)),
            .init(kind: .uploadPart, fault: .resetMidBody),
            .init(kind: .uploadPart, fault: .slow(seconds: 4)),
            .init(kind: .uploadPart, fault: .dropReply),
            .init(kind: .complete, fault: .dropReply),
            .init(kind: .complete, fault: .status(503)),
        ])
        // A slow reply must end in a timeout, well before the proxy's 4 s; retries come fast.
        var configuration = HTTPObjectStore.Configuration()
        configuration.requestTimeout = .seconds(2)
        configuration.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200))

        let uploader = try fixture.uploader(
            bucket: bucket, endpoint: proxy.endpoint, configuration: configuration, partSize: 5 << 20, threshold: 5 << 20)
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        // A PUT whose reply was lost or came after the timeout may have landed before its
        // retry, which then finds the same bytes there and counts the window as skipped (how
        // often depends on the machine's load); the bucket is checked byte for byte below.
        #expect(summary.objects + summary.skipped == 6 && summary.failed == 0, "\(summary)")
        #expect(proxy.pendingRules.isEmpty, "every fault fired: \(proxy.pendingRules.map(\.kind))")

        // Read straight from SeaweedFS, not through the proxy; no upload left open.
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        let rows = try fixture.uploadRows()
        #expect(rows.count == 6 && rows.allSatisfy { $0.state == "uploaded" && $0.error == nil }, "\(rows)")
        let heads = try await fixture.server.withStore(bucket: bucket) { store in
            var etags: [String?] = []
            for file in files { etags.append(try await store.headObject(key: UploadFixture.defaultKey(file))?.etag) }
            return etags
        }
        #expect(rows.map(\.etag) == heads, "each row keeps the ETag the object has")
    }
}
