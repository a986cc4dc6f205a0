import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `sediment reupload` copies a past range of windows to another bucket: exactly that
/// range, once; a second run finds everything present; `--dry-run` only lists.
@Suite("sediment reupload")
struct ReuploadTests {
    @Test("a range of windows to a second bucket: exactly those, skipped on a second run, listed by --dry-run")
    func rangeToSecondBucket() async throws {
        let fixture = try await UploadFixture(label: "reupload")
        try fixture.fill(windows: 6, perWindow: 15, valueBytes: 300)
        let files = try fixture.archive.files()
        #expect(files.count == 6)
        let (a, b) = (try await fixture.server.makeBucket("reupload-a"), try await fixture.server.makeBucket("reupload-b"))
        let environment = UploadFixture.credentials()
        func sediment(_ arguments: [String]) throws -> Data {
            try CLIProcess.succeed(arguments, scratch: fixture.scratch, environment: environment)
        }

        _ = try sediment(["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: a)])
        try await fixture.expectBucket(a, holds: files.map { ($0, UploadFixture.defaultKey($0)) })

        // [22:10, 22:25) meets windows 2, 3 and 4 (22:05-22:10 ends where the range starts).
        let range = ["--topic", "orders", "--from", "2023-11-14T22:10:00Z", "--to", "2023-11-14T22:25:00Z"]
        let chosen = Array(files[2...4])
        let reupload = ["reupload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: b)] + range

        let dry = try sediment(reupload + ["--dry-run"])
        let listed = String(decoding: dry, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("would upload ") }
        #expect(listed.map { String($0.dropFirst("would upload ".count)) } == chosen.map(UploadFixture.defaultKey), "\(listed)")
        try await fixture.expectBucket(b, holds: [])
        #expect(try fixture.uploadRows().filter { $0.target.contains(b) }.isEmpty, "--dry-run records no state")
        #expect(try Archive.open(at: fixture.path).uploadStatistics().allSatisfy { !$0.target.contains(b) }, "--dry-run records no target")

        let first = try JSONDecoder().decode(UploadSummary.self, from: try sediment(reupload + ["--json"]))
        #expect(first.objects == 3 && first.skipped == 0 && first.failed == 0)
        #expect(first.bytes == chosen.reduce(0) { $0 + $1.size })
        try await fixture.expectBucket(b, holds: chosen.map { ($0, UploadFixture.defaultKey($0)) })

        let second = try JSONDecoder().decode(UploadSummary.self, from: try sediment(reupload + ["--json"]))
        #expect(second.objects == 0 && second.skipped == 3 && second.bytes == 0, "\(second)")
        try await fixture.expectBucket(b, holds: chosen.map { ($0, UploadFixture.defaultKey($0)) })

        // Bucket A is untouched, and each target has one row per file it holds.
        try await fixture.expectBucket(a, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        let rows = try fixture.uploadRows()
        #expect(rows.filter { $0.target.contains(a) }.count == 6 && rows.filter { $0.target.contains(b) }.count == 3)
        #expect(rows.allSatisfy { $0.state == "uploaded" })

        // A lost object in A: reupload to A itself puts back exactly that one.
        let lost = UploadFixture.defaultKey(files[3])
        try await fixture.server.withStore(bucket: a) { try await $0.deleteObject(key: lost) }
        let repair = try JSONDecoder().decode(
            UploadSummary.self,
            from: try sediment(["reupload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: a), "--json"] + range))
        #expect(repair.objects == 1 && repair.skipped == 2, "\(repair)")
        try await fixture.expectBucket(a, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
    }
}
