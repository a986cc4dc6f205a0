import Foundation
import Testing
@testable import Sediment

/// `dump --max-archive-size`: backpressure instead of a full disk during a bucket outage.
/// With the bucket unwritable, retention can free nothing, so fetching pauses once the
/// archive passes the limit and the archive stops taking messages while the producer goes
/// on; once the bucket is back, uploads are confirmed, retention deletes what they cover,
/// fetching resumes, and the archive and bucket end up with every message exactly once.
@Suite("dump --max-archive-size (CLI)")
struct MaxArchiveSizeTests {
    static let limit: Int64 = 8 << 20

    @Test("during a bucket outage fetching pauses past the limit, and resumes once retention freed space, losing nothing")
    func pausesAndResumes() async throws {
        let scratch = TemporaryDirectory(label: "max-archive-size")
        let kafka = try KafkaFixture(topics: ["bounded": 6])
        let value: (Int) -> [UInt8] = { index in
            Array(String(format: "message %06d ", index).utf8) + [UInt8](repeating: UInt8(ascii: "a") + UInt8(index % 26), count: 185)
        }
        // About 13 MB of records in windows of 2025, one message every 20 ms.
        let spacing: Int64 = 20
        let first = 60_000
        try kafka.produce(topic: "bounded", partitions: 6, count: first, spacing: spacing, value: value)
        let archive = scratch.file("archive")
        let bucket = scratch.file("bucket")
        // The outage, from the start: the target's probe writes at the bucket's root and
        // passes, but every window's key begins with `local/`, here a file, so every upload
        // fails and retention frees nothing.
        try FileManager.default.createDirectory(atPath: bucket, withIntermediateDirectories: true)
        let blocker = bucket + "/local"
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: blocker))
        let dump = try CLIProcess(
            ["dump", "--archive", archive, "--brokers", kafka.bootstrap, "--topic", "bounded", "--granularity", "5m",
             "--compact-interval", "1s", "--target", "file://" + bucket, "--local-retention", "1m",
             "--max-archive-size", "8MiB", "--batch-bytes", "262144"], scratch: scratch)
        defer { dump.kill() }

        try await eventually("fetching paused", timeout: .seconds(120)) { dump.stderrSoFar.contains("fetching paused") }
        // What was fetched before the pause is still committed: wait until the count holds still.
        func stored() throws -> Int { try StatusReport.load(archive: archive, scratch: scratch).partitions.reduce(0) { $0 + $1.messages } }
        var pausedAt = -1
        for _ in 0..<120 {
            let now = try stored()
            if now == pausedAt { break }
            pausedAt = now
            try await Task.sleep(for: .seconds(1))
        }
        #expect(pausedAt < first, "the limit paused fetching before the backlog was read: \(pausedAt) stored")
        // The producer goes on; the paused archive takes none of it.
        try kafka.produce(topic: "bounded", partitions: 6, count: 10_000, startTimestamp: 1_764_000_000_000 + Int64(first) * spacing, spacing: spacing) {
            value(first + $0)
        }
        var largest: Int64 = 0
        for _ in 0..<20 {
            largest = max(largest, FileSystem.diskUsage(archive))
            try await Task.sleep(for: .milliseconds(150))
        }
        let stillPaused = try stored()
        #expect(stillPaused == pausedAt, "nothing was stored while paused: \(pausedAt) then \(stillPaused)")
        // Past the limit by a poll's worth, plus the windows compaction writes of what is held.
        #expect(largest < 3 * Self.limit, "the archive grew to \(largest) bytes under a limit of \(Self.limit)")
        #expect(dump.stderrSoFar.components(separatedBy: "fetching paused").count == 2, "the pause is logged once")
        #expect(!dump.stderrSoFar.contains("fetching resumed"))

        // The bucket is back: uploads go through, retention frees space, fetching resumes.
        try FileManager.default.removeItem(atPath: blocker)
        // Each pause ends only once a window closed, went up and retention freed its
        // segments: under a loaded CI machine that took minutes, so the bounds (which only
        // catch a hang) are wide, and a miss shows what the dump was doing.
        let total = kafka.count(topic: "bounded")
        do {
            try await eventually("fetching resumed", timeout: .seconds(600)) { dump.stderrSoFar.contains("fetching resumed") }
            try await eventually("the archive holds every message", timeout: .seconds(600)) {
                try StatusReport.load(archive: archive, scratch: scratch).partitions.reduce(0) { $0 + $1.position } == total
            }
        } catch {
            Issue.record("the dump's log ends: \(dump.stderrSoFar.suffix(6000))")
            throw error
        }
        dump.terminate()
        let stopped = try dump.wait()
        #expect(stopped.succeeded, "\(stopped.summary)")

        // Every message once, read back from segments, windows and the bucket alike.
        let output = try CLIProcess.succeed(
            ["query", "--archive", archive, "--topic", "bounded", "--from", "0", "--order", "offset"], scratch: scratch)
        let lines = try OutputLine.decodeFast(output)
        var expected: [OutputLine] = []
        for partition in 0..<6 {
            expected += (kafka.produced["bounded"]?[Int32(partition)] ?? []).map { OutputLine(topic: "bounded", $0) }
        }
        #expect(lines.count == total)
        #expect(lines == expected, "the archive and bucket hold exactly what was produced")
        let uploaded = FileManager.default.enumerator(atPath: bucket)?.allObjects.count ?? 0
        #expect(uploaded > 0)
        print("max-archive-size \(Self.limit) bytes: paused at \(pausedAt) of \(first) messages, largest \(largest) bytes while paused; \(total) messages in the end")
        withExtendedLifetime(scratch) {}
    }

    @Test("run --config takes max-archive-size as dump takes --max-archive-size; a size of 0 is refused at its line")
    func configKey() throws {
        let file = try ConfigFile("""
            tasks:
              - name: bounded
                archive: a
                brokers: 127.0.0.1:9092
                topics: [orders]
                max-archive-size: 500MB
            """)
        #expect(try file.load().tasks[0].pipeline.dump.maxArchiveBytes == 500_000_000)
        let zero = try ConfigFile("""
            tasks:
              - name: bounded
                archive: a
                brokers: 127.0.0.1:9092
                topics: [orders]
                max-archive-size: 0
            """)
        #expect(zero.problems() == [zero.at(6, 23) + "tasks[0].max-archive-size: max-archive-size must be positive, not 0"])
    }
}
