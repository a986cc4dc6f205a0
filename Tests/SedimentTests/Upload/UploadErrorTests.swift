import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// Final errors (bad credentials, no bucket) are reported at once, clearly, recorded per
/// window, never retried, and never carry the secret.
@Suite("Upload errors")
struct UploadErrorTests {
    static let wrongSecret = "wrong-secret-Zq93-never-print-me"

    @Test("a wrong secret: one request per window tried, no new upload after the first 403, all recorded as failed")
    func wrongSecretThroughTheLibrary() async throws {
        let fixture = try await UploadFixture(label: "upload-wrong-secret")
        try fixture.fill(windows: 6, perWindow: 10, valueBytes: 200)
        let bucket = try await fixture.server.makeBucket("wrong-secret")
        // Pass-through proxy: it only counts what the uploader sends.
        let proxy = try FaultProxy(upstreamPort: fixture.server.s3Port)
        defer { proxy.stop() }

        let uploader = try fixture.uploader(bucket: bucket, endpoint: proxy.endpoint, secretKey: Self.wrongSecret)
        #expect(uploader.options.files == 4)
        let error = await #expect(throws: ObjectStoreError.self) { try await uploader.closingStore { try await uploader.uploadPending() } }
        #expect(error?.code == .signatureDoesNotMatch && error?.httpStatus == 403)
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(bucket) && text.contains("local/orders/2023-11-14/") && text.contains("SignatureDoesNotMatch") && text.contains("403"), "\(text)")
        #expect(!text.contains(Self.wrongSecret))

        // The four files launched at once were each tried once; the other two never.
        let rows = try fixture.uploadRows()
        let requests = proxy.requests
        #expect(rows.count == 4 && rows.allSatisfy { $0.state == "failed" && $0.attempts == 1 })
        #expect(rows.allSatisfy { $0.error?.contains("SignatureDoesNotMatch") == true && $0.error?.contains(bucket) == true })
        #expect(requests.count == 4 && requests.allSatisfy { $0.kind == .putObject }, "\(requests.map(\.target))")
        #expect(Set(requests.map(\.target)).count == 4, "no window was sent twice")
        try expectSecretAbsent(from: fixture.path)
    }

    @Test("sediment upload with a wrong secret: exit 69 (remote) at the write probe, the bucket and SignatureDoesNotMatch on stderr, nothing recorded, no secret anywhere")
    func wrongSecretThroughTheCLI() async throws {
        let fixture = try await UploadFixture(label: "upload-wrong-secret-cli")
        try fixture.fill(windows: 1, perWindow: 10, valueBytes: 200)
        let bucket = try await fixture.server.makeBucket("wrong-secret-cli")
        let result = try CLIProcess.run(
            ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket), "--log-level", "trace"],
            scratch: fixture.scratch, environment: UploadFixture.credentials(secret: Self.wrongSecret))
        #expect(!result.signaled && result.status == ExitStatus.remote, "\(result.summary)")
        #expect(result.stderr.contains("\(bucket)/.sediment-probe-") && result.stderr.contains("403") && result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.wrongSecret) && !result.stdoutText.contains(Self.wrongSecret))
        #expect(try fixture.uploadRows().isEmpty, "refused before the target was recorded")

        _ = try CLIProcess.succeed(
            ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket)],
            scratch: fixture.scratch, environment: UploadFixture.credentials())
        let uploaded = try #require(try fixture.uploadRows().first)
        #expect(uploaded.state == "uploaded" && uploaded.attempts == 1 && uploaded.error == nil, "\(uploaded)")
        let file = try #require(try fixture.archive.files().first)
        try await fixture.expectBucket(bucket, holds: [(file, UploadFixture.defaultKey(file))])
        try expectSecretAbsent(from: fixture.path)
    }

    @Test("sediment upload to a missing bucket: exit 69 (remote) at the write probe, naming the bucket and NoSuchBucket")
    func missingBucket() async throws {
        let fixture = try await UploadFixture(label: "upload-missing-bucket")
        try fixture.fill(windows: 1, perWindow: 10, valueBytes: 200)
        let bucket = "never-created-\(UUID().uuidString.prefix(8).lowercased())"
        let result = try CLIProcess.run(
            ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket)],
            scratch: fixture.scratch, environment: UploadFixture.credentials())
        #expect(!result.signaled && result.status == ExitStatus.remote, "\(result.summary)")
        #expect(result.stderr.contains(bucket) && result.stderr.contains("NoSuchBucket"), "\(result.stderr)")
        #expect(try fixture.uploadRows().isEmpty)
    }

    /// Neither secret is in the index, its WAL, or anywhere else under the archive.
    func expectSecretAbsent(from archive: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: archive))
        var checked = 0
        while let relative = enumerator.nextObject() as? String {
            let path = archive + "/" + relative
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            checked += relative.hasPrefix("sediment.sqlite") ? 1 : 0
            for secret in [Self.wrongSecret, SeaweedFS.secretKey] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(relative) holds a secret", sourceLocation: sourceLocation)
            }
        }
        #expect(checked >= 1, "the index was read", sourceLocation: sourceLocation)
    }
}
