import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// The object store goes away while `dump --target` runs: the dump is a Kafka consumer
/// first, so it keeps archiving, keeps the windows it cannot upload, says so, and sends
/// them once the store answers again.
@Suite("Object store outage during dump")
struct StoreOutageTests {
    let scratch = TemporaryDirectory(label: "store-outage")

    @Test("the store refuses every request while three batches of windows close: dump keeps consuming, the windows pile up locally, status shows them pending, retention deletes none; once the store is back every window goes up, once")
    func refusedEverything() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("outage")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let kafka = try KafkaFixture(topics: ["out": 2])
        let archive = scratch.file("archive")
        // Ten days old: with --local-retention 1d every window is past retention the
        // moment it is written, so only the missing confirmation keeps it on disk.
        let tenDaysAgo = WallClock.nowMilliseconds() - 10 * 86_400_000
        let dump = try CLIProcess(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "out", "--archive", archive, "--granularity", "1m", "--grace", "1s",
             "--compact-interval", "1s", "--linger", "20ms", "--local-retention", "1d", "--log-level", "info",
             // Most windows are above it and go up in multipart uploads, the smaller in one PUT.
             "--multipart-threshold", "8KiB",
             "--target", server.uri(bucket: bucket, endpoint: proxy.endpoint)],
            scratch: scratch, environment: UploadFixture.credentials())
        defer { dump.kill() }
        // The start's probe must get through (a target that refuses it stops the start);
        // the outage begins once the probe is deleted again.
        try await eventually("dump probed the target", timeout: .seconds(60)) {
            proxy.requests.contains { $0.method == "DELETE" && $0.reply.map { (200..<300).contains($0.status) } ?? false }
        }
        let kinds: [FaultProxy.Kind] = [.putObject, .createMultipart, .uploadPart, .complete, .abort, .head, .get, .list, .other]
        proxy.inject(kinds.flatMap { kind in Array(repeating: FaultProxy.Rule(kind: kind, fault: .status(503)), count: 5000) })

        func status() throws -> Sediment.StatusReport {
            try JSONDecoder().decode(Sediment.StatusReport.self, from: CLIProcess.succeed(["status", "--archive", archive, "--json"], scratch: scratch))
        }
        var produced = 0
        var windows: Set<Int64> = []
        for batch in 0..<3 {
            // 200 s of messages each: four or five one-minute windows, ten minutes apart.
            let start = tenDaysAgo + minutes(10) * Int64(batch)
            try kafka.produce(topic: "out", partitions: 2, count: 2000, startTimestamp: start, spacing: 100)
            produced += 2000
            windows.formUnion(stride(from: start, to: start + 200_000, by: 100).map { $0 - $0 % minutes(1) })
            try await eventually("batch \(batch) archived and its windows written", timeout: .seconds(90)) {
                guard FileManager.default.fileExists(atPath: archive + "/sediment.sqlite") else { return false }
                let positions = try status().partitions.reduce(0) { $0 + $1.position }
                let written = Set(try Archive.open(at: archive).windowFiles().map(\.windowStart))
                return positions == Int64(produced) && written.isSuperset(of: windows)
            }
            // Nothing confirmed, so nothing deleted: every file the index lists is on disk,
            // and the target's backlog is all of them.
            let files = try Archive.open(at: archive).windowFiles()
            let report = try status()
            let uploads = try #require(report.uploads?.first)
            #expect(files.allSatisfy { !$0.locallyDeleted } && ArchiveFiles(path: archive).visible().count == files.count,
                    "batch \(batch): a window file went before its upload was confirmed")
            #expect(uploads.uploaded == 0 && uploads.pending == files.count && uploads.oldestPending == files.map(\.windowStart).min(),
                    "batch \(batch): \(uploads)")
        }
        let printed = String(decoding: try CLIProcess.succeed(["status", "--archive", archive], scratch: scratch), as: UTF8.self)
        let pending = try #require(try status().uploads?.first?.pending)
        #expect(printed.contains("PENDING") && printed.contains(" \(pending) "), "status shows the backlog: \(printed)")
        #expect(dump.isRunning, "dump kept running through the outage: \(dump.stderrSoFar)")
        let refused = Dictionary(grouping: proxy.requests.filter { $0.fault != nil }, by: \.kind).mapValues(\.count)
        #expect(refused[.putObject, default: 0] + refused[.createMultipart, default: 0] > 0, "uploads were tried and refused: \(refused)")
        print("store outage: \(pending) windows pending, requests refused by kind: \(refused.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))")

        // The store is back. A new window starts the next upload pass at once (without one,
        // the pass after a failure waits for the retry delay, 30 s).
        proxy.clearRules()
        let last = tenDaysAgo + minutes(40)
        try kafka.produce(topic: "out", partitions: 2, count: 200, startTimestamp: last, spacing: 100)
        produced += 200
        do {
            try await eventually("every window confirmed and then deleted by retention", timeout: .seconds(120)) {
                let files = try Archive.open(at: archive).windowFiles()
                let uploads = try status().uploads?.first
                return files.contains { $0.maxTimestamp >= last } && uploads?.pending == 0 && uploads?.uploaded == files.count
                    && files.allSatisfy(\.locallyDeleted)
            }
        } catch {
            let files = try Archive.open(at: archive).windowFiles()
            Issue.record("\(error): \(files.count) files, \(files.filter(\.locallyDeleted).count) deleted; \(String(describing: try status().uploads)); dump's log ends: \(dump.stderrSoFar.suffix(8000))")
            throw error
        }
        dump.terminate()
        let result = try dump.wait()
        #expect(result.succeeded, "\(result.summary)")

        // The archive's own copy is gone (retention): its positions say it read everything.
        #expect(try status().partitions.map(\.position).sorted() == [Int64(produced / 2), Int64(produced / 2)])
        let (lines, open) = try await server.withStore(bucket: bucket) { store in
            (try await BucketMessages.inStore(store, scratch: scratch), try await store.listMultipartUploads(prefix: ""))
        }
        BucketMessages.expect(lines, holdEvery: [0: 0..<Int64(produced / 2), 1: 0..<Int64(produced / 2)])
        let messages = kafka.produced["out"] ?? [:]
        #expect(lines.allSatisfy { line in
            messages[Int32(line.partition)].map { line.offset < $0.count && line.holds($0[line.offset]) } ?? false
        }, "the bucket's bytes are the produced ones")
        #expect(open.isEmpty, "no multipart upload left open: \(open)")
    }
}
