import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// The cases where a bucket and an archive disagree: segments holding part of a restored
/// window, two workers' objects of one window, a window only partly back on disk,
/// ingest-time windows, a window the archive's settings refuse.
@Suite("Bucket edge cases")
struct BucketEdgeCaseTests {
    static func messages(_ offsets: Range<Int64>, valueBytes: Int = 0, seed: UInt64 = 3) -> [Message] {
        let random = valueBytes == 0 ? Data() : TestFiles.bytes(size: offsets.count * valueBytes, seed: seed)
        return offsets.map { offset in
            let value: [UInt8] = valueBytes == 0
                ? Array("value \(offset)".utf8)
                : [UInt8](random[Int(offset - offsets.lowerBound) * valueBytes..<Int(offset - offsets.lowerBound + 1) * valueBytes])
            return Message(partition: 0, offset: offset, timestamp: windowBase + offset * 10, value: value)
        }
    }

    static func restore(into path: String, bucket: String, template: String = KeyTemplate.defaultTemplate) async throws -> RestoreSummary {
        let store = try FileObjectStore(directory: bucket)
        return try await store.closing {
            let restorer = try WindowRestorer(
                archive: path, store: store, options: .init(template: try KeyTemplate(template)), logger: Logger(label: "probe"))
            return try await restorer.restore(instance: nil, topic: "orders", range: Int64.min..<Int64.max)
        }
    }

    static func lines(_ data: Data) -> Int { data.split(separator: 0x0A).count }

    /// A `file://` bucket in `scratch` holding `messages` as 5-minute windows, uploaded by the CLI.
    static func uploaded(_ messages: [Message], scratch: TemporaryDirectory) throws -> String {
        let source = CompactionFixture(label: "edge-source")
        try source.append(messages)
        try source.compact(granularity(5), closeAll: true)
        let bucket = scratch.file("bucket")
        _ = try CLIProcess.succeed(["upload", "--archive", source.path, "--target", "file://" + bucket], scratch: scratch)
        return bucket
    }

    @Test("restore into an archive whose segments hold offsets of the window below the bucket file's first offset: refused, and every message stays readable")
    func restoreRefusesToHideSegmentMessages() async throws {
        let scratch = TemporaryDirectory(label: "edge-coverage")
        let bucket = try Self.uploaded(Self.messages(10..<20), scratch: scratch)

        let local = CompactionFixture(label: "edge-coverage-local")
        try local.append(Self.messages(0..<20))
        #expect(try local.query().count == 20)
        let summary = try await Self.restore(into: local.path, bucket: bucket)
        #expect(summary.restored == 0 && summary.failures.count == 1, "\(summary)")
        #expect(summary.failures.first?.reason.contains("segments hold messages of partition 0 in this window from offset 0, below the restored file's 10") == true, "\(summary.failures)")
        #expect(try local.files().isEmpty && local.visibleWindowFiles().isEmpty, "nothing recorded, nothing left on disk")
        #expect(try local.query().map(\.offset) == Array(0..<20))
        try local.compact(granularity(5), closeAll: true)
        #expect(try local.query().map(\.offset) == Array(0..<20), "after compaction too")
    }

    @Test("a manifest whose codec is not its key's (none beside .jsonl.gz): restore and query --target refuse the window, naming the key and both")
    func manifestCodecAgainstKey() async throws {
        let scratch = TemporaryDirectory(label: "edge-codec")
        let bucket = try Self.uploaded(Self.messages(0..<20), scratch: scratch)
        let manifests = (FileManager.default.subpaths(atPath: bucket) ?? []).filter { $0.hasSuffix(WindowManifest.keySuffix) }
        let manifestKey = try #require(manifests.first)
        try #require(manifests.count == 1 && manifestKey.hasSuffix(".jsonl.gz" + WindowManifest.keySuffix), "\(manifests)")
        let path = bucket + "/" + manifestKey
        let original = try String(contentsOfFile: path, encoding: .utf8)
        try #require(original.contains(#""compression":"gzip""#))
        // `none` has no trailer: the members still tile the object, only the codec is wrong.
        try original.replacingOccurrences(of: #""compression":"gzip""#, with: #""compression":"none""#).write(toFile: path, atomically: true, encoding: .utf8)
        let said = "manifest \(manifestKey): it says jsonl with compression 'none' (objects ending in .jsonl), and its object's key ends in .jsonl.gz (gzip)"

        let restored = scratch.file("restored")
        let summary = try await Self.restore(into: restored, bucket: bucket)
        #expect(summary.restored == 0 && summary.failures.count == 1 && summary.failures.first?.reason.contains(said) == true, "\(summary)")
        #expect((try? Archive.open(at: restored).windowFiles())?.isEmpty ?? true, "nothing restored")

        let empty = scratch.file("empty")
        _ = try ArchiveWriter(at: empty)
        let queried = try CLIProcess.run(
            ["query", "--archive", empty, "--instance", "local", "--topic", "orders", "--from", "0", "--target", "file://" + bucket], scratch: scratch)
        #expect(!queried.succeeded && queried.stderr.contains(said) && queried.stdout.isEmpty, "\(queried.summary)")
    }

    @Test("a window's restore refused by the index leaves no file on disk")
    func refusedRestoreLeavesNoFile() async throws {
        let scratch = TemporaryDirectory(label: "probe-refused")
        let bucket = try Self.uploaded(Self.messages(0..<20), scratch: scratch)

        let local = CompactionFixture(label: "probe-refused-local")
        try local.append([Message(partition: 0, offset: 0, timestamp: windowBase + minutes(600), value: Array("x".utf8))])
        try local.compact(granularity(60), closeAll: true)
        let summary = try await Self.restore(into: local.path, bucket: bucket)
        #expect(summary.failures.count == 1, "\(summary)")
        let path = ArchiveLayout.windowFilePath(instance: "local", topic: "orders", windowStart: windowBase, part: 1, format: .jsonl, compression: .gzip)
        #expect(!FileManager.default.fileExists(atPath: local.path + "/" + path), "\(path) is on disk though the index refused it: \(summary.failures)")
        #expect(!(FileManager.default.subpaths(atPath: local.path) ?? []).contains { $0.contains(".restore") })
        #expect(summary.failures.first?.reason.contains("does not match the archive's windows") == true, "\(summary.failures)")
    }

    @Test("two workers' objects of one window holding the same offsets: query --target and a restore return each message once")
    func overlappingWorkersInListing() async throws {
        let scratch = TemporaryDirectory(label: "probe-workers")
        let bucket = scratch.file("bucket")
        let template = "{instance}/{topic}/{date}/{worker}/{timestamp}"
        for name in ["a", "b"] {
            let source = CompactionFixture(label: "probe-workers-" + name)
            try source.append(Self.messages(0..<20))
            try source.compact(granularity(5), closeAll: true)
            _ = try CLIProcess.succeed(
                ["upload", "--archive", source.path, "--target", "file://" + bucket, "--key-template", template], scratch: scratch)
        }
        let objects = (FileManager.default.subpaths(atPath: bucket) ?? []).filter { $0.hasSuffix(".gz") }
        #expect(objects.count == 2, "\(objects)")
        let empty = scratch.file("empty")
        _ = try ArchiveWriter(at: empty)
        let queried = try CLIProcess.run(
            ["query", "--archive", empty, "--instance", "local", "--topic", "orders", "--from", "0", "--target", "file://" + bucket,
             "--key-template", template], scratch: scratch)
        #expect(queried.succeeded && Self.lines(queried.stdout) == 20, "query --target: \(Self.lines(queried.stdout)) lines; \(queried.summary)")
        let counted = try CLIProcess.run(
            ["query", "--archive", empty, "--instance", "local", "--topic", "orders", "--from", "0", "--count", "--target", "file://" + bucket,
             "--key-template", template], scratch: scratch)
        #expect(counted.stdoutText == "20\n", "count: \(counted.stdoutText) \(counted.summary)")
        // The empty archive does not know the topic: the bucket names its instance.
        let unnamed = try CLIProcess.run(
            ["query", "--archive", empty, "--topic", "orders", "--from", "0", "--count", "--target", "file://" + bucket, "--key-template", template],
            scratch: scratch)
        #expect(unnamed.stdoutText == "20\n", "\(unnamed.summary)")

        let restored = scratch.file("restored")
        let summary = try await Self.restore(into: restored, bucket: bucket, template: template)
        #expect(summary.restored == 2 && summary.failures.isEmpty, "both objects, as parts 1 and 2: \(summary)")
        let all = try Archive.open(at: restored).messages(instance: "local", topic: "orders", in: Int64.min..<Int64.max).all()
        #expect(all.map(\.offset) == Array(0..<20), "after restore (\(summary)): \(all.count) messages")
        let again = try await Self.restore(into: restored, bucket: bucket, template: template)
        #expect(again.restored == 0 && again.skipped == 2, "\(again)")
    }

    @Test("a window with one part back on disk and one only in the bucket: every query returns all of it, and fails once no bucket holds the part")
    func listingSkipsLocalPartOfDeletedWindow() async throws {
        let scratch = TemporaryDirectory(label: "probe-parts")
        let fixture = CompactionFixture(label: "probe-parts-archive")
        let all = Self.messages(0..<4000, valueBytes: 700)
        try fixture.append(all)
        var change = granularity(5)
        change.compressionLevel = 1
        change.maxFileSize = 64 << 10
        try fixture.compact(change, closeAll: true)
        let files = try fixture.files()
        #expect(files.count >= 2 && Set(files.map(\.windowStart)).count == 1, "\(files.map(\.path))")
        let bucket = scratch.file("bucket")
        for _ in 0..<2 {
            _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--local-retention", "1d", "--target", "file://" + bucket], scratch: scratch)
        }
        #expect(fixture.visibleWindowFiles().isEmpty)
        // Bring back part 1 only: hide the other objects from the restore.
        let aside = scratch.file("aside")
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: true)
        let others = files.dropFirst().map { UploadFixture.defaultKey($0) }
        for key in others {
            for name in [key, WindowManifest.key(forObject: key)] {
                try FileManager.default.moveItem(atPath: bucket + "/" + name, toPath: aside + "/" + name.replacingOccurrences(of: "/", with: "_"))
            }
        }
        let summary = try await Self.restore(into: fixture.path, bucket: bucket)
        #expect(summary.broughtBack == 1, "\(summary)")
        for key in others {
            for name in [key, WindowManifest.key(forObject: key)] {
                try FileManager.default.moveItem(atPath: aside + "/" + name.replacingOccurrences(of: "/", with: "_"), toPath: bucket + "/" + name)
            }
        }
        let replica = scratch.file("replica")
        _ = try CompactionFixture.run("/bin/cp", ["-r", bucket, replica])
        let query = ["query", "--archive", fixture.path, "--topic", "orders", "--from", "0"]
        let viaIndex = try CLIProcess.run(query, scratch: scratch)
        #expect(viaIndex.succeeded && Self.lines(viaIndex.stdout) == all.count, "default: \(Self.lines(viaIndex.stdout)); \(viaIndex.summary)")
        let listed = try CLIProcess.run(query + ["--target", "file://" + replica], scratch: scratch)
        #expect(listed.succeeded && Self.lines(listed.stdout) == all.count, "--target replica: \(Self.lines(listed.stdout)) of \(all.count); \(listed.summary)")
        // The replica lacks the last part: the archive's own target still has it.
        let last = UploadFixture.defaultKey(files[1])
        try FileManager.default.removeItem(atPath: replica + "/" + last)
        try FileManager.default.removeItem(atPath: replica + "/" + WindowManifest.key(forObject: last))
        let fromOwn = try CLIProcess.run(query + ["--target", "file://" + replica], scratch: scratch)
        #expect(fromOwn.succeeded && Self.lines(fromOwn.stdout) == all.count, "\(Self.lines(fromOwn.stdout)) of \(all.count); \(fromOwn.summary)")
        // And once no bucket holds it, the query fails rather than answer short.
        try FileManager.default.removeItem(atPath: bucket + "/" + last)
        let short = try CLIProcess.run(query + ["--target", "file://" + replica], scratch: scratch)
        #expect(!short.succeeded && short.stderr.contains(last), "exit \(short.status), \(Self.lines(short.stdout)) of \(all.count) lines; \(short.stderr)")
    }

    @Test("ingest-time windows: query --target finds messages by their timestamps, not by their windows")
    func ingestTimeListing() async throws {
        let scratch = TemporaryDirectory(label: "probe-ingest")
        let source = CompactionFixture(label: "probe-ingest-source")
        source.now = windowBase + minutes(600)
        try source.append(Self.messages(0..<20))
        var change = granularity(5)
        change.windowTime = .ingest
        try source.compact(change, closeAll: true)
        #expect(try source.files().first?.windowStart == windowBase + minutes(600))
        let bucket = scratch.file("bucket")
        _ = try CLIProcess.succeed(["upload", "--archive", source.path, "--target", "file://" + bucket], scratch: scratch)
        let empty = scratch.file("empty")
        _ = try ArchiveWriter(at: empty)
        let queried = try CLIProcess.run(
            ["query", "--archive", empty, "--instance", "local", "--topic", "orders", "--from", "\(windowBase)", "--to", "\(windowBase + minutes(1))",
             "--target", "file://" + bucket], scratch: scratch)
        #expect(queried.succeeded && Self.lines(queried.stdout) == 20, "\(Self.lines(queried.stdout)) lines; \(queried.summary)")
    }
}
