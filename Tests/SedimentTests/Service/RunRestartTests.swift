import Foundation
import Testing
@testable import Sediment

/// `sediment run` stopped and started again: by SIGTERM once its first hour is up, by
/// SIGKILL as the second hour starts going up. The bucket ends with exactly the expected
/// windows of both tasks, and they hold every message once.
@Suite("run: restarts")
struct RunRestartTests {
    static let base = TaskRunnerTests.base
    static let hour: Int64 = 3_600_000

    @Test("SIGTERM, then SIGKILL, then a last run: exactly the expected keys, each message once, jsonl and text")
    func stopKillRestart() throws {
        let scratch = TemporaryDirectory(label: "run-restarts")
        let kafka = try KafkaFixture(topics: ["orders": 2, "logs": 2])
        func produceHour(_ hour: Int64) throws {
            try kafka.produce(topic: "orders", partitions: 2, count: 360, startTimestamp: Self.base + hour * Self.hour, spacing: 10_000)
            try kafka.produce(topic: "logs", partitions: 2, count: 360, startTimestamp: Self.base + hour * Self.hour, spacing: 10_000) {
                Array("log line \(hour)-\($0): état".utf8)
            }
        }
        let bucket = scratch.file("bucket")
        let config = scratch.file("run.yaml")
        try Data("""
            defaults:
              brokers: \(kafka.bootstrap)
              linger: 20ms
              granularity: 15m
              grace: 1s
              compact-interval: 1s
              target: file://\(bucket)
            tasks:
              - name: orders
                archive: \(scratch.file("orders"))
                topics: orders
              - name: logs
                archive: \(scratch.file("logs"))
                topics: logs
                format: text
            """.utf8).write(to: URL(fileURLWithPath: config))
        func objects() -> Set<String> {
            Set((try? FileManager.default.subpathsOfDirectory(atPath: bucket)) ?? []).filter { $0.hasSuffix(".gz") }
        }
        func windows(_ hours: Range<Int64>, _ topic: String, _ suffix: String) -> Set<String> {
            Set(hours.flatMap { hour in (0..<4).map { "local/\(topic)/2026-01-01/\((Self.base + hour * Self.hour) / 1000 + Int64($0) * 900).\(suffix)" } })
        }
        func run(until condition: () -> Bool, then stop: (CLIProcess) -> Void) throws -> CLIProcess.Result {
            let process = try CLIProcess(["run", "--config", config, "--log-level", "info"], scratch: scratch)
            let deadline = ContinuousClock.now + .seconds(120)
            while !condition() {
                guard ContinuousClock.now < deadline, process.isRunning else {
                    process.kill()
                    throw CLIProcess.Failure(description: "run did not get there: \(process.stderrSoFar)")
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            stop(process)
            return try process.wait(timeout: .seconds(60))
        }

        try produceHour(0)
        let firstHour = windows(0..<1, "orders", "jsonl.gz").union(windows(0..<1, "logs", "txt.gz"))
        let stopped = try run(until: { objects().isSuperset(of: firstHour) }, then: { $0.terminate() })
        #expect(stopped.succeeded, "\(stopped.summary)")
        try produceHour(1)
        let killed = try run(until: { objects().count > firstHour.count }, then: { $0.kill() })
        #expect(killed.signaled)
        let everything = windows(0..<2, "orders", "jsonl.gz").union(windows(0..<2, "logs", "txt.gz"))
        let last = try run(until: { objects() == everything }, then: { $0.terminate() })
        #expect(last.succeeded, "\(last.summary)")

        #expect(objects() == everything)
        let manifests = Set(try FileManager.default.subpathsOfDirectory(atPath: bucket).filter { $0.hasSuffix(".manifest.json") })
        #expect(manifests == Set(everything.map { $0 + ".manifest.json" }))
        var held: [OutputLine] = []
        var text: [String] = []
        for key in everything.sorted() {
            let data = try CompactionFixture.run("zcat", [bucket + "/" + key])
            if key.hasSuffix(".jsonl.gz") {
                held += try OutputLine.decodeStrict(data)
            } else {
                text += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            }
        }
        let produced = kafka.produced["orders"]!.values.flatMap { $0 }.map { OutputLine(topic: "orders", $0) }.sorted(by: OutputLine.byOffset)
        #expect(produced.count == 720 && held.sorted(by: OutputLine.byOffset) == produced)
        let values = kafka.produced["logs"]!.values.flatMap { $0 }
            .sorted { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
            .map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(text.count == 720 && text == values)
    }
}
