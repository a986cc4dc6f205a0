import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// Local retention deletes nothing a continuous target has not confirmed: not window
/// files, not the segments whose messages they hold, whoever registers the target and
/// whenever the target first answers.
@Suite("Retention waits for the upload target")
struct RetentionBeforeUploadTests {
    let scratch = TemporaryDirectory(label: "retention-before-upload")

    @Test("dump of 10-day-old messages with --local-retention 1d: every window reaches the bucket before any is deleted")
    func dumpUploadsBeforeRetention() throws {
        let fixture = try KafkaFixture(topics: ["old": 2])
        let tenDaysAgo = WallClock.nowMilliseconds() - 10 * 86_400_000
        try fixture.produce(topic: "old", partitions: 2, count: 6000, startTimestamp: tenDaysAgo, spacing: 1000)
        let archive = scratch.file("a")
        let bucket = scratch.file("bucket")
        let target = ["--target", "file://" + bucket]
        let dumped = try CLIProcess.run(
            ["dump", "--brokers", fixture.bootstrap, "--topic", "old", "--archive", archive, "--instance", "bars",
             "--until-caught-up", "--granularity", "5m", "--local-retention", "1d", "--linger", "50ms"] + target,
            scratch: scratch, timeout: .seconds(180))
        #expect(dumped.succeeded, "\(dumped.summary)")
        // The windows closed by the dump's last pass all went up, none was deleted first.
        let summary = try #require(try /wrote (\d+) window files \((\d+) messages/.firstMatch(in: dumped.stdoutText), "\(dumped.stdoutText)")
        let (files, written) = (Int(summary.1)!, Int(summary.2)!)
        #expect(files > 15 && dumped.stdoutText.contains("uploaded \(files) objects"), "\(dumped.stdoutText)")
        #expect(ArchiveFiles(path: archive).visible().count == files)
        let uploaded = try BucketMessages.inDirectory(bucket)
        #expect(uploaded.count == written && Set(uploaded.map { "\($0.partition)/\($0.offset)" }).count == written)

        // The rest closes now; the files the bucket confirmed go, the new ones wait for it.
        let compacted = try CLIProcess.succeed(
            ["compact", "--archive", archive, "--close-all", "--local-retention", "1d"] + target, scratch: scratch)
        #expect(String(decoding: compacted, as: UTF8.self).contains("\(files) window files past retention deleted"))
        BucketMessages.expect(try BucketMessages.inDirectory(bucket), holdEvery: [0: 0..<3000, 1: 0..<3000])
        let count = try CLIProcess.succeed(
            ["query", "--archive", archive, "--topic", "old", "--from", "-11d", "--count"], scratch: scratch)
        #expect(String(decoding: count, as: UTF8.self) == "6000\n", "the segments and the files left hold every message")
    }

    @Test("--local-retention with no upload target is refused before anything changes")
    func retentionNeedsATarget() throws {
        let fixture = CompactionFixture(label: "retention-no-target")
        try fixture.append(RetentionTests.messages(0..<3000))
        try fixture.compact(granularity(5), closeAll: true)
        let before = fixture.visibleWindowFiles()
        let refused = try CLIProcess.run(["compact", "--archive", fixture.path, "--local-retention", "1m"], scratch: scratch)
        #expect(refused.status == ExitStatus.usage && refused.stderr.contains("--local-retention deletes window files only once an upload target has confirmed them"), "\(refused.summary)")
        #expect(fixture.visibleWindowFiles() == before && before.count == 2)
        let dump = try CLIProcess.run(
            ["dump", "--brokers", "127.0.0.1:1", "--topic", "t", "--archive", scratch.file("never"), "--local-retention", "1d"],
            scratch: scratch)
        #expect(dump.status == ExitStatus.usage && dump.stderr.contains("give --target"), "\(dump.summary)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("never")))
    }

    @Test("segment and window retention over several segments per partition, with a target that fails at first: nothing goes until it confirms, then the bucket holds every message")
    func targetFailingAtFirst() async throws {
        let fixture = try await UploadFixture(label: "retention-failing-target")
        let archive = fixture.archive
        let messages = RetentionTests.messages(0..<12_000)
        try archive.append(messages)
        try archive.compact(granularity(5), closeAll: true)
        let segments = RetentionTests.segmentFiles(archive)
        let windows = archive.visibleWindowFiles()
        #expect(segments.count > 4 && windows.count > 5, "\(segments) \(windows)")
        let bucket = try await fixture.server.makeBucket("failing-first")

        // The target is recorded by its first attempt, which fails (a wrong secret).
        let failing = try fixture.uploader(bucket: bucket, secretKey: "wrong")
        await #expect(throws: (any Error).self) { try await failing.closingStore { try await failing.uploadPending() } }
        archive.now += 400 * 86_400_000
        func retain() throws -> CompactionSummary {
            let compactor = try archive.compactor()
            compactor.retention.localWindowRetention = minutes(60)
            return try compactor.compact(instance: "local", topic: "orders")
        }
        for _ in 0..<2 {
            let summary = try retain()
            #expect(summary.segmentsDeleted == 0 && summary.windowFilesDeleted == 0)
        }
        #expect(RetentionTests.segmentFiles(archive) == segments)
        #expect(archive.visibleWindowFiles() == windows)
        expectSame(try archive.query(), byTime(messages))

        // The target recovers: once it has confirmed every file, they and the segments go.
        let working = try fixture.uploader(bucket: bucket)
        let uploaded = try await working.closingStore { try await working.uploadPending() }
        #expect(uploaded.objects == windows.count && uploaded.failed == 0)
        let summary = try retain()
        #expect(summary.segmentsDeleted == segments.count - 2 && summary.windowFilesDeleted == windows.count)
        #expect(archive.visibleWindowFiles().isEmpty)
        let lines = try await fixture.server.withStore(bucket: bucket) { try await BucketMessages.inStore($0, scratch: fixture.scratch) }
        BucketMessages.expect(lines, holdEvery: [0: 0..<6000, 1: 0..<6000])
        let byKey = Dictionary(uniqueKeysWithValues: messages.map { ("\($0.partition)/\($0.offset)", $0) })
        #expect(lines.allSatisfy { line in
            byKey["\(line.partition)/\(line.offset)"].map { $0.value == line.payload && $0.timestamp == line.timestamp } ?? false
        }, "every message reads back from the bucket with its value and timestamp")
    }
}
