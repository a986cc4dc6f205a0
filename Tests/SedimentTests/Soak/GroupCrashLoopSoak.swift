import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

extension SoakTests {
    @Test("30 SIGKILLs among three dump --group workers while 300,000 messages arrive: together they hold every offset, each archive and bucket holds its messages once, no object rewritten, no upload left open")
    func groupCrashLoop() async throws {
        var random = SplitMix64(seed: Self.seed("group"))
        var figures = SoakFigures(name: "three dump --group workers, --target s3://", seed: random.state)
        let server = try await SeaweedFS.running()
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let partitions: Int32 = 12
        let producer = try SoakProducer(partitions: partitions)
        let names = ["a", "b", "c"]
        // Each worker its own archive and bucket, as DumpGroupTests and GroupBucketTests run them.
        var buckets: [String: String] = [:]
        for name in names { buckets[name] = try await server.makeBucket("soak-\(name)") }
        func target(_ name: String) -> [String] {
            ["--target", server.uri(bucket: buckets[name]!, endpoint: proxy.endpoint), "--key-template", "{instance}/{topic}/{date}/{worker}/{timestamp}"]
        }
        func start(_ name: String) throws -> CLIProcess {
            try CLIProcess(
                ["dump", "--brokers", producer.fixture.bootstrap, "--topic", "soak", "--archive", scratch.file(name), "--group", "soakers",
                 "--worker", name, "--granularity", "1m", "--grace", "1s", "--compact-interval", "1s", "--linger", "20ms",
                 "--batch-bytes", "262144", "--multipart-threshold", "8KiB", "--log-level", "info",
                 "--kafka-option", "session.timeout.ms=6000", "--kafka-option", "heartbeat.interval.ms=500"] + target(name),
                scratch: scratch, environment: UploadFixture.credentials())
        }
        /// Per partition, the furthest position any worker's archive reached.
        func positions() -> [Int32: Int64] {
            var furthest: [Int32: Int64] = [:]
            for name in names where FileManager.default.fileExists(atPath: scratch.file(name) + "/sediment.sqlite") {
                for partition in (try? Archive.open(at: scratch.file(name)).statistics()) ?? [] {
                    furthest[partition.partition] = max(furthest[partition.partition] ?? 0, partition.position)
                }
            }
            return furthest
        }
        var workers = try Dictionary(uniqueKeysWithValues: names.map { ($0, try start($0)) })
        defer { for process in workers.values { process.kill() } }
        for round in 0..<producer.chunks {
            producer.release()
            // Long enough for a rebalance to finish now and then (the mock takes ~3 s to
            // assign), short enough that kills also land in the middle of one.
            Self.pause(milliseconds: 500 + random.next() % 4500)
            let name = names[Int(random.next() % 3)]
            try figures.kill(workers[name]!, round: round, "worker \(name)")
            workers[name] = try start(name)
        }
        figures.writesDuringKills = names.reduce(0) { $0 + ObjectWrites(proxy.requests, bucket: buckets[$1]!).accepted }
        let fixture = try producer.finish()
        figures.produced = fixture.count(topic: "soak")
        let produced = fixture.produced["soak"] ?? [:]
        let everything = Set(produced.flatMap { partition, messages in messages.map { "\(partition)/\($0.offset)" } })

        // Left alone, the three settle and archive the rest; then a graceful stop, and
        // every window closed and uploaded from each archive.
        try await eventually("the workers reached the end of every partition", timeout: .seconds(300)) {
            let furthest = positions()
            return produced.allSatisfy { furthest[$0.key] == Int64($0.value.count) }
        }
        for process in workers.values { process.terminate() }
        for (name, process) in workers {
            // A worker that does not stop is a failure to report with its log, not a timeout.
            if (try? await eventually("worker \(name) stopped at SIGTERM", timeout: .seconds(120)) { !process.isRunning }) == nil {
                Issue.record("worker \(name) still running 120 s after SIGTERM; its log ends: \(process.stderrSoFar.suffix(6000))")
                process.kill()
            }
            let result = try process.wait()
            #expect(result.succeeded, "worker \(name) at SIGTERM: \(result.summary)")
        }
        for name in names {
            let closed = try CLIProcess.run(
                ["compact", "--archive", scratch.file(name), "--close-all"] + target(name),
                scratch: scratch, environment: UploadFixture.credentials(), timeout: .seconds(300))
            #expect(closed.succeeded, "compact \(name): \(closed.summary)")
            try Self.verify(scratch.file(name), target: server.uri(bucket: buckets[name]!, endpoint: proxy.endpoint), scratch: scratch)
        }

        // Each archive holds its partitions contiguously from the first offset it has, with
        // the produced bytes; its bucket holds exactly what the archive holds. Together they
        // hold every produced offset; an offset may be in two archives when its partition
        // moved between workers (see DumpGroupTests), never with other bytes.
        var holders: [String: Int] = [:]
        for name in names {
            let held = try Self.archived(scratch.file(name), topic: "soak", partitions: partitions)
            for (partition, messages) in held {
                if let first = messages.first {
                    #expect(messages.map(\.offset) == Array(first.offset..<first.offset + Int64(messages.count)), "\(name), partition \(partition): contiguous")
                }
                for message in messages { holders["\(partition)/\(message.offset)", default: 0] += 1 }
            }
            let own = held.mapValues { Set($0.map(\.offset)) }
            figures.archive += SoakFigures.tally(Self.compared(held, with: produced), expected: own)
            let lines = try await Self.checkBucket(server, bucket: buckets[name]!, proxy: proxy, scratch: scratch, figures: &figures)
            figures.bucket += SoakFigures.tally(Self.compared(lines, with: produced), expected: own)
            figures.notes.append("worker \(name): \(held.values.reduce(0) { $0 + $1.count }) messages held, its bucket \(lines.count)")
        }
        let lost = everything.subtracting(holders.keys)
        figures.archive.lost += lost.count
        figures.notes.append("offsets held by two or more workers (a partition that moved): \(holders.values.filter { $0 > 1 }.count)")
        figures.report()

        #expect(figures.produced == producer.chunks * producer.perChunk)
        #expect(figures.writesDuringKills > 0 && figures.multipartAccepted > 0, "uploads, multipart ones among them, ran while kills were sent")
        #expect(lost.isEmpty, "no worker holds \(lost.count) produced offsets: \(lost.sorted().prefix(10))")
        #expect(figures.killsLanded == figures.killsSent, "only \(figures.killsLanded) of \(figures.killsSent) kills found the worker running")
        for (name, tally) in [("archives", figures.archive), ("buckets", figures.bucket)] {
            #expect(tally.lost == 0 && tally.duplicated == 0 && tally.differing == 0, "\(name): \(tally)")
        }
    }
}
