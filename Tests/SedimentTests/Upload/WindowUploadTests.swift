import Crypto
import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// Windows uploaded to SeaweedFS (SigV4 enforced) land under their template's keys and
/// read back byte for byte; the index records what the store confirmed.
@Suite("Window upload to S3")
struct WindowUploadTests {
    @Test("small windows go up in one PUT each, under {instance}/{topic}/{date}/{timestamp}.jsonl.gz")
    func singlePut() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-single", windows: 3, perWindow: 20, valueBytes: 1000, bucket: "single")
        #expect(files.count == 3)

        let uploader = try fixture.uploader(bucket: bucket)
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        #expect(summary.objects == 3 && summary.failed == 0 && summary.bytes == files.reduce(0) { $0 + $1.size })
        let keys = files.map(UploadFixture.defaultKey)
        #expect(keys.first == "local/orders/2023-11-14/1699999200.jsonl.gz")
        try await fixture.expectBucket(bucket, holds: Array(zip(files, keys)))

        // A single PUT's ETag is the file's MD5, and the row keeps it.
        let rows = try fixture.uploadRows()
        #expect(rows.map(\.state) == ["uploaded", "uploaded", "uploaded"])
        #expect(rows.map(\.key) == keys && rows.map(\.etag) == files.map(\.md5) && rows.allSatisfy { $0.attempts == 1 && $0.error == nil })

        // Nothing is pending any more: a second pass sends nothing.
        let again = try fixture.uploader(bucket: bucket)
        let second = try await again.closingStore { try await again.uploadPending() }
        #expect(second.objects == 0 && second.skipped == 0)
    }

    @Test("a window file changed on disk since it was recorded (same size) fails its multipart upload, naming the file: no object, the upload aborted")
    func multipartChecksRecordedSHA256() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-changed", windows: 1, perWindow: 1500, valueBytes: 4096, bucket: "changed")
        let file = try #require(files.first)
        try #require(file.size > 5 << 20, "two parts of 5 MiB: \(file.size)")
        // One byte of the second part, the size kept: every part is self-consistent
        // (its MD5 matches what is sent), only the whole file's recorded SHA-256 differs.
        try flipByte(at: file.size - 100, of: fixture.path + "/" + file.path)

        let uploader = try fixture.uploader(bucket: bucket, partSize: 5 << 20, threshold: 5 << 20)
        let error = await #expect(throws: (any Error).self) { try await uploader.closingStore { try await uploader.uploadPending() } }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(file.path) && text.contains(file.sha256), "names the file and the recorded SHA-256: \(text)")
        let (object, open) = try await fixture.server.withStore(bucket: bucket) { store in
            (try await store.headObject(key: UploadFixture.defaultKey(file)), try await store.listMultipartUploads(prefix: ""))
        }
        #expect(object == nil, "no object was created")
        #expect(open.isEmpty, "the multipart upload was aborted: \(open)")
        let rows = try fixture.uploadRows()
        #expect(rows.map(\.state) == ["failed"] && rows.first?.error?.contains(file.path) == true, "\(rows)")
    }

    @Test("a window split past the size cap goes up as parts: .partN from the second on")
    func splitWindow() async throws {
        let fixture = try await UploadFixture(label: "upload-parts")
        // ~3 MB of values in 1 MiB files: gzip members hold ~1 MiB of input, one per file.
        try fixture.fill([(3000, 1000)], maxFileSize: 1 << 20)
        let files = try fixture.archive.files()
        #expect(files.count >= 3 && files.map(\.part) == Array(1...files.count))
        let bucket = try await fixture.server.makeBucket("parts")
        let uploader = try fixture.uploader(bucket: bucket)
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        #expect(summary.objects == files.count)
        let keys = files.map(UploadFixture.defaultKey)
        #expect(keys.prefix(2) == ["local/orders/2023-11-14/1699999200.jsonl.gz", "local/orders/2023-11-14/1699999200.part2.jsonl.gz"])
        try await fixture.expectBucket(bucket, holds: Array(zip(files, keys)))
    }

    @Test("a 40 MB window goes up in 8 MiB parts: multipart ETag -5 recorded, bytes identical")
    func multipart() async throws {
        let fixture = try await UploadFixture(label: "upload-multipart")
        // One big window (9,800 × 4 KiB of random bytes, base64 in the lines) and one small one after it.
        try fixture.fill([(9800, 4096), (10, 100)], seed: 11)
        let files = try fixture.archive.files()
        let big = try #require(files.first)
        #expect(big.size > 4 * (8 << 20) && big.size <= 5 * (8 << 20), "the window is \(big.size) bytes: five 8 MiB parts")
        let bucket = try await fixture.server.makeBucket("multipart")

        let uploader = try fixture.uploader(bucket: bucket, partSize: 8 << 20, threshold: 16 << 20)
        let summary = try await uploader.closingStore { try await uploader.uploadPending() }
        #expect(summary.objects == files.count && summary.failed == 0)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })

        // The ETag S3 gives a multipart object: MD5 of the parts' MD5s, then "-<parts>".
        let local = try fixture.archive.contents(of: big)
        let partMD5s = stride(from: 0, to: local.count, by: 8 << 20).map {
            Data(Insecure.MD5.hash(data: local[$0..<min($0 + (8 << 20), local.count)]))
        }
        let expected = ObjectUploader.multipartETag(partMD5s: partMD5s)
        #expect(expected.hasSuffix("-5"))
        let head = try await fixture.server.withStore(bucket: bucket) { try await $0.headObject(key: UploadFixture.defaultKey(big)) }
        #expect(head?.etag == expected)
        let row = try #require(try fixture.uploadRows().first { $0.fileID == big.id })
        #expect(row.state == "uploaded" && row.etag == expected && row.attempts == 1)
    }

    @Test("sediment upload --key-template with {hour} and {part}, under a target prefix, credentials from the environment")
    func customTemplateThroughTheCLI() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-template", windows: 2, perWindow: 20, valueBytes: 500, bucket: "template")

        let output = try CLIProcess.succeed(
            ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket, prefix: "archive/v1"),
             "--key-template", "{topic}/h{hour}/{timestamp}-{part}", "--json"],
            scratch: fixture.scratch, environment: UploadFixture.credentials())
        let summary = try JSONDecoder().decode(UploadSummary.self, from: output)
        #expect(summary.objects == 2 && summary.failed == 0)
        // 2023-11-14T22:00Z and 22:05Z: hour 22; {part} named, so no .partN suffix. The
        // index keeps keys relative to the target's prefix; the bucket has them under it.
        let keys = ["orders/h22/1699999200-1.jsonl.gz", "orders/h22/1699999500-1.jsonl.gz"]
        try await fixture.expectBucket(bucket, holds: Array(zip(files, keys.map { "archive/v1/" + $0 })))
        #expect(try fixture.uploadRows().map(\.key) == keys)
    }
}
