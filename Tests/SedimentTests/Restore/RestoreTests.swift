import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// `restore` brings windows back from the bucket into an archive that never consumed the
/// topic: queries there answer byte for byte as on the original, a second run does
/// nothing, and an object that does not match its manifest stays out of the index.
@Suite("Restore from a bucket")
struct RestoreTests {
    /// An archive of 12 five-minute windows over 3 partitions (about 1.5 MB each, so two
    /// gzip members or more), uploaded by the CLI to a new bucket.
    static func uploaded(_ label: String) async throws -> (fixture: UploadFixture, bucket: String, uri: String) {
        let fixture = try await UploadFixture(label: label)
        var random = SplitMix64(seed: 11)
        var messages: [Message] = []
        let count = 24_000
        for i in 0..<count {
            let value = (0..<450).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            messages.append(Message(
                partition: Int32(i % 3), offset: Int64(i / 3), timestamp: windowBase + Int64(i) * minutes(60) / Int64(count),
                key: Array("key-\(i % 7)".utf8), value: value))
        }
        try fixture.archive.append(messages)
        var change = WindowSettingsChange()
        change.granularity = minutes(5)
        change.compressionLevel = 1
        try fixture.archive.compact(change, closeAll: true)
        let bucket = try await fixture.server.makeBucket(label)
        let uri = fixture.targetURI(bucket: bucket)
        _ = try CLIProcess.succeed(
            ["upload", "--archive", fixture.path, "--target", uri], scratch: fixture.scratch, environment: UploadFixture.credentials())
        return (fixture, bucket, uri)
    }

    static func restore(_ archive: String, _ uri: String, scratch: TemporaryDirectory, from: String = "0", to: String = "now") throws -> CLIProcess.Result {
        try CLIProcess.run(
            ["restore", "--archive", archive, "--target", uri, "--topic", "orders", "--from", from, "--to", to],
            scratch: scratch, environment: UploadFixture.credentials())
    }

    /// `query` over each range prints the same bytes from both archives.
    static func expectSameQueries(_ original: String, _ restored: String, scratch: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ranges: [(String, String)] = [
            ("0", "now"),
            ("\(windowBase + minutes(7))", "\(windowBase + minutes(23))"),
            ("\(windowBase + minutes(30))", "\(windowBase + minutes(31))"),
            ("\(windowBase + minutes(55))", "\(windowBase + minutes(90))"),
        ]
        for (from, to) in ranges {
            let query = ["query", "--topic", "orders", "--from", from, "--to", to]
            let expected = try CLIProcess.succeed(query + ["--archive", original], scratch: scratch)
            let got = try CLIProcess.succeed(query + ["--archive", restored], scratch: scratch)
            #expect(!expected.isEmpty && got == expected, "[\(from), \(to)): \(got.count) bytes, expected \(expected.count)", sourceLocation: sourceLocation)
        }
        let count = ["query", "--topic", "orders", "--from", "0", "--count"]
        let counted = try CLIProcess.succeed(count + ["--archive", restored], scratch: scratch)
        #expect(counted == Data("24000\n".utf8), sourceLocation: sourceLocation)
    }

    @Test("restore into a new archive elsewhere: every query answers byte for byte as the original; a second restore does nothing")
    func restoreRoundTrip() async throws {
        let (fixture, _, uri) = try await Self.uploaded("restore-round-trip")
        let restored = fixture.scratch.file("restored")
        let first = try Self.restore(restored, uri, scratch: fixture.scratch)
        #expect(first.succeeded, "\(first.summary)")
        #expect(first.stdoutText.hasPrefix("restored 12 windows") && first.stdoutText.contains("24000 messages")
            && first.stdoutText.contains("failed 0"), "\(first.stdoutText)")
        try Self.expectSameQueries(fixture.path, restored, scratch: fixture.scratch)
        let originalFiles = try fixture.archive.files()
        let restoredFiles = try Archive.open(at: restored).windowFiles(instance: "local", topic: "orders")
        #expect(restoredFiles.map(\.sha256) == originalFiles.map(\.sha256) && restoredFiles.map(\.path) == originalFiles.map(\.path))

        let second = try Self.restore(restored, uri, scratch: fixture.scratch)
        #expect(second.succeeded && second.stdoutText.hasPrefix("restored 0 windows") && second.stdoutText.contains("skipped 12 already held"), "\(second.stdoutText) \(second.summary)")
        #expect(try Archive.open(at: restored).windowFiles(instance: "local", topic: "orders") == restoredFiles, "nothing new recorded")

        // Windows and no segments: reading by offset says it cannot, rather than return nothing.
        let byOffset = #expect(throws: SedimentError.self) {
            try Archive.open(at: restored).messages(of: PartitionKey(instance: "local", topic: "orders", partition: 1), offsets: 0...Int64.max)
        }
        #expect(byOffset?.code == .notHeldLocally && byOffset?.message.contains("are in window files and in no segment") == true, "\(String(describing: byOffset))")

        // The restored archive uploads like any other: reupload to a new bucket gives the same objects.
        let copy = try await fixture.server.makeBucket("restore-reupload")
        _ = try CLIProcess.succeed(
            ["reupload", "--archive", restored, "--topic", "orders", "--from", "0", "--target", fixture.targetURI(bucket: copy)],
            scratch: fixture.scratch, environment: UploadFixture.credentials())
        try await fixture.expectBucket(copy, holds: originalFiles.map { ($0, UploadFixture.defaultKey($0)) })

        // Part of the range restores part of the windows; the rest come on the next run.
        let partial = fixture.scratch.file("partial")
        let some = try Self.restore(partial, uri, scratch: fixture.scratch, from: "\(windowBase + minutes(12))", to: "\(windowBase + minutes(21))")
        #expect(some.succeeded && some.stdoutText.hasPrefix("restored 3 windows"), "windows from 10, 15 and 20 minutes: \(some.stdoutText)")
    }

    @Test("an object that does not match its manifest is reported, left out of the index and off the disk; the exit is non-zero")
    func corruptedObjectIsReported() async throws {
        let (fixture, bucket, uri) = try await Self.uploaded("restore-corrupt")
        let files = try fixture.archive.files()
        let victim = files[4]
        let key = UploadFixture.defaultKey(victim)
        var bytes = try fixture.archive.contents(of: victim)
        bytes[bytes.count / 2] ^= 0x01
        let corrupted = bytes
        try await fixture.server.withStore(bucket: bucket) { _ = try await $0.putObject(key: key, payload: ObjectPayload(bytes: corrupted)) }

        let restored = fixture.scratch.file("restored")
        let result = try Self.restore(restored, uri, scratch: fixture.scratch)
        #expect(!result.signaled && result.status == ExitStatus.data, "\(result.summary)")
        #expect(result.stderr.contains("\(key): checksum mismatch"), "\(result.stderr)")
        #expect(result.stderr.contains("1 of 12 windows were not restored"), "\(result.stderr)")
        #expect(result.stdoutText.hasPrefix("restored 11 windows") && result.stdoutText.contains("failed 1"), "\(result.stdoutText)")
        let held = try Archive.open(at: restored).windowFiles(instance: "local", topic: "orders")
        #expect(held.count == 11 && !held.contains { $0.windowStart == victim.windowStart })
        let onDisk = ArchiveFiles(path: restored).visible()
        #expect(onDisk.count == 11 && !onDisk.contains(victim.path), "\(onDisk)")
        #expect(!(FileManager.default.subpaths(atPath: restored) ?? []).contains { $0.contains(".restore") }, "no temporary file left")
        // The rest answers as the original does, and the window's range says it is missing rather than empty.
        let count = try CLIProcess.succeed(["query", "--archive", restored, "--topic", "orders", "--from", "0", "--count"], scratch: fixture.scratch)
        #expect(count == Data("\(24_000 - victim.count)\n".utf8))
    }

    @Test("a window without its manifest is read through: members, partitions and counts rebuilt, queries unchanged")
    func missingManifestIsRebuilt() async throws {
        let (fixture, bucket, uri) = try await Self.uploaded("restore-rebuild")
        let files = try fixture.archive.files()
        try await fixture.server.withStore(bucket: bucket) { store in
            for file in [files[0], files[7]] { try await store.deleteObject(key: WindowManifest.key(forObject: UploadFixture.defaultKey(file))) }
        }
        let restored = fixture.scratch.file("restored")
        let result = try Self.restore(restored, uri, scratch: fixture.scratch)
        #expect(result.succeeded && result.stdoutText.contains("2 without a manifest, read through"), "\(result.stdoutText) \(result.summary)")
        try Self.expectSameQueries(fixture.path, restored, scratch: fixture.scratch)
        let original = try Archive.open(at: fixture.path).index
        let copy = try Archive.open(at: restored).index
        for file in [files[0], files[7]] {
            let rebuilt = try copy.manifest(of: try #require(try copy.windowFiles(instance: "local", topic: "orders").first { $0.windowStart == file.windowStart }))
            #expect(rebuilt == (try original.manifest(of: file)), "the index holds what the manifest said")
        }
    }

    @Test("restore into the archive that uploaded: files local retention deleted come back and queries read them again")
    func deletedFilesComeBack() async throws {
        let (fixture, _, uri) = try await Self.uploaded("restore-deleted")
        for _ in 0..<2 {
            _ = try CLIProcess.succeed(
                ["compact", "--archive", fixture.path, "--local-retention", "1d", "--target", uri], scratch: fixture.scratch,
                environment: UploadFixture.credentials())
        }
        #expect(fixture.archive.visibleWindowFiles().isEmpty)
        let before = try CLIProcess.run(
            ["query", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--count", "--local-only"], scratch: fixture.scratch)
        #expect(!before.succeeded && before.stderr.contains("no longer held locally"), "\(before.summary)")

        let result = try Self.restore(fixture.path, uri, scratch: fixture.scratch, from: "\(windowBase)", to: "\(windowBase + minutes(30))")
        #expect(result.succeeded && result.stdoutText.contains("brought back 6 deleted locally"), "\(result.stdoutText) \(result.summary)")
        let count = try CLIProcess.succeed(
            ["query", "--archive", fixture.path, "--topic", "orders", "--from", "\(windowBase)", "--to", "\(windowBase + minutes(30))", "--count", "--local-only"],
            scratch: fixture.scratch)
        #expect(count == Data("12000\n".utf8))
        for file in try fixture.archive.files() where file.windowStart < windowBase + minutes(30) {
            let bytes = try fixture.archive.contents(of: file)
            #expect(!file.locallyDeleted && TestFiles.sha256(bytes) == file.sha256)
        }
    }

    @Test("objects above the ranged threshold come down in concurrent ranges into one file: the same bytes, checked the same way")
    func rangedDownloads() async throws {
        let (fixture, bucket, _) = try await Self.uploaded("restore-ranged")
        let restored = fixture.scratch.file("restored")
        var options = WindowRestorer.Options(template: try KeyTemplate(KeyTemplate.defaultTemplate))
        options.rangedAbove = 256 << 10
        options.rangeSize = 100_000
        options.rangesPerObject = 3
        let store = try fixture.server.store(bucket: bucket)
        let summary = try await store.closing {
            try await WindowRestorer(archive: restored, store: store, options: options, logger: Logger(label: "test.restore"))
                .restore(instance: nil, topic: "orders", range: Int64.min..<Int64.max)
        }
        #expect(summary.restored == 12 && summary.failures.isEmpty && summary.messages == 24_000, "\(summary)")
        let original = try fixture.archive.files()
        let copies = try Archive.open(at: restored).windowFiles(instance: "local", topic: "orders")
        #expect(copies.map(\.sha256) == original.map(\.sha256))
        for copy in copies {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: restored + "/" + copy.path))
            #expect(bytes.count > 256 << 10 && TestFiles.sha256(bytes) == copy.sha256, "\(copy.path)")
        }
        try Self.expectSameQueries(fixture.path, restored, scratch: fixture.scratch)
    }
}
