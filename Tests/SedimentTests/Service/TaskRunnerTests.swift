import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import ServiceLifecycle
import Synchronization
import Testing
@testable import Sediment

/// `sediment run --config`'s runner: the tasks of a file side by side, each a `Pipeline`,
/// against librdkafka's mock cluster and the shared SeaweedFS.
@Suite("TaskRunner")
struct TaskRunnerTests {
    /// 2026-01-01T00:00:00Z: the first of eight 15-minute windows of produced messages.
    static let base: Int64 = 1_767_225_600_000

    @Test("two tasks (jsonl and text) archive two hours into one bucket: exactly the expected keys, holding exactly what was produced; a task whose bucket is missing is started again until it is there")
    func tasksSideBySide() async throws {
        let server = try await SeaweedFS.running()
        let scratch = TemporaryDirectory(label: "runner")
        let kafka = try KafkaFixture(topics: ["orders": 2, "logs": 2])
        // Two hours, a message every 10 s, alternating between the partitions.
        try kafka.produce(topic: "orders", partitions: 2, count: 720, startTimestamp: Self.base, spacing: 10_000)
        try kafka.produce(topic: "logs", partitions: 2, count: 720, startTimestamp: Self.base, spacing: 10_000) {
            Array("log line \($0): état ünïcode".utf8)
        }
        let bucket = try await server.makeBucket("run")
        let late = "run-late-\(UUID().uuidString.prefix(8).lowercased())"
        try Data("[seaweed]\naccess_key_id = \(SeaweedFS.accessKey)\nsecret_access_key = \(SeaweedFS.secretKey)\n".utf8)
            .write(to: scratch.url.appendingPathComponent("credentials.ini"))
        func target(_ bucket: String) -> String { "s3://\(bucket)?endpoint=\(server.endpoint)&region=us-east-1&path-style=true" }
        let file = try ConfigFile("""
            defaults:
              brokers: \(kafka.bootstrap)
              until-caught-up: true
              linger: 20ms
              granularity: 15m
              # One compaction pass, when the dump stops: no window is written early.
              compact-interval: 1h
              credentials-file: credentials.ini
              profile: seaweed
            tasks:
              - name: orders
                archive: orders
                topics: [orders]
                target: \(target(bucket))
              - name: logs
                archive: logs
                topics: logs
                format: text
                target: \(target(bucket))
              - name: late-bucket
                archive: late
                topics: [orders]
                target: \(target(late))
            """, scratch: scratch)
        var configuration = try file.load()
        // Ingest times from just after the last message; each reading a minute and a second
        // later, so that by the last compaction pass every partition is idle past its grace
        // and every window closes, with no real hour waited.
        let clock = SteppingClock(start: Self.base + 2 * 3_600_000, step: 61_000)
        for index in configuration.tasks.indices { configuration.tasks[index].pipeline.now = clock.now }
        var options = TaskRunner.Options()
        options.backoff.initial = .milliseconds(100)
        options.backoff.maximum = .milliseconds(400)
        let events = EventLog()
        let runner = TaskRunner(tasks: configuration.tasks, options: options, logger: Logger(label: "test.runner"), onEvent: events.record)
        let running = Task { try await runner.run() }
        defer { running.cancel() }

        try await eventually("orders and logs are done and late-bucket has failed twice") {
            Set(events.finished) == ["orders", "logs"] && events.failures("late-bucket") >= 2
        }
        try await server.withStore(bucket: late) { try await $0.createBucket() }
        try await eventually("late-bucket is done once its bucket exists") { events.finished.count == 3 }
        try await running.value

        let outcomes = runner.outcomes
        #expect(outcomes.map(\.task) == ["orders", "logs", "late-bucket"])
        #expect(outcomes[0].failures == 0 && outcomes[1].failures == 0 && outcomes[0].attempts == 1)
        #expect(outcomes[2].failures >= 2 && outcomes[2].attempts == outcomes[2].failures + 1)
        #expect(outcomes[2].lastError?.contains("NoSuchBucket") == true, "\(outcomes[2].lastError ?? "")")
        #expect(events.retryDelays("late-bucket").prefix(3) == [.milliseconds(100), .milliseconds(200), .milliseconds(400)].prefix(outcomes[2].failures))

        let windows = (0..<8).map { Self.base / 1000 + Int64($0) * 900 }
        func keys(_ topic: String, _ extension: String) -> Set<String> {
            Set(windows.flatMap { ["local/\(topic)/2026-01-01/\($0).\(`extension`)", "local/\(topic)/2026-01-01/\($0).\(`extension`).manifest.json"] })
        }
        let listed = try await server.withStore(bucket: bucket) { Set(try await $0.listObjects(prefix: "").map(\.key)) }
        #expect(listed == keys("orders", "jsonl.gz").union(keys("logs", "txt.gz")))
        let lateListed = try await server.withStore(bucket: late) { Set(try await $0.listObjects(prefix: "").map(\.key)) }
        #expect(lateListed == keys("orders", "jsonl.gz"))

        let produced = kafka.produced["orders"]!.values.flatMap { $0 }.map { OutputLine(topic: "orders", $0) }.sorted(by: OutputLine.byOffset)
        #expect(produced.count == 720)
        for name in [bucket, late] {
            let held = try await server.withStore(bucket: name) { try await BucketMessages.inStore($0, scratch: scratch) }
            #expect(held.sorted(by: OutputLine.byOffset) == produced, "bucket \(name)")
        }
        // The text windows hold the values alone, in (timestamp, partition, offset) order.
        let values = kafka.produced["logs"]!.values.flatMap { $0 }
            .sorted { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
            .map { String(decoding: $0.value ?? [], as: UTF8.self) }
        let text = try await server.withStore(bucket: bucket) { store in
            var lines: [String] = []
            for key in listed.filter({ $0.hasSuffix(".txt.gz") }).sorted() {
                let path = scratch.file("text-\(UUID().uuidString).gz")
                _ = try await store.downloadObject(key: key, range: nil, to: path)
                lines += String(decoding: try CompactionFixture.run("zcat", [path]), as: UTF8.self).split(separator: "\n").map(String.init)
            }
            return lines
        }
        #expect(text.count == 720 && text == values)
    }

    @Test("a task whose brokers cannot be reached is started again, its waits doubling, while the other archives; a graceful shutdown stops both")
    func unreachableBrokers() async throws {
        let scratch = TemporaryDirectory(label: "runner-down")
        let kafka = try KafkaFixture(topics: ["t": 2])
        try kafka.produce(topic: "t", partitions: 2, count: 200)
        let file = try ConfigFile("""
            defaults:
              topics: [t]
            tasks:
              - name: live
                archive: live
                brokers: \(kafka.bootstrap)
                linger: 20ms
                target: file://\(scratch.file("bucket"))
              - name: down
                archive: down
                brokers: 127.0.0.1:1
                connect-timeout: 200ms
            """, scratch: scratch)
        var options = TaskRunner.Options()
        options.backoff.initial = .milliseconds(50)
        options.backoff.maximum = .seconds(1)
        let events = EventLog()
        let runner = TaskRunner(tasks: try file.load().tasks, options: options, logger: Logger(label: "test.runner"), onEvent: events.record)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [runner], logger: Logger(label: "test.group")))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        let live = scratch.file("live")
        try await eventually("the live task archived every message and the down task failed twice") {
            events.failures("down") >= 2
                && (try? Archive.open(at: live).statistics().reduce(0) { $0 + $1.messages }) == 200
        }
        #expect(events.finished.isEmpty, "the live task runs until stopped")
        await group.triggerGracefulShutdown()
        try await running.value

        let outcomes = runner.outcomes
        #expect(outcomes[0].task == "live" && outcomes[0].summary?.stored == 200 && outcomes[0].failures == 0)
        #expect(outcomes[1].task == "down" && outcomes[1].summary == nil && outcomes[1].failures >= 2)
        #expect(outcomes[1].lastError?.contains("cannot reach Kafka at 127.0.0.1:1") == true, "\(outcomes[1].lastError ?? "")")
        #expect(events.retryDelays("down").prefix(2) == [.milliseconds(50), .milliseconds(100)])
        #expect(events.finished == ["live"])
        try kafka.expectArchive(live, topic: "t")
        // A dump that never reached its brokers leaves no archive behind.
        #expect(!FileManager.default.fileExists(atPath: scratch.file("down")))
    }
}

/// A clock that moves `step` milliseconds at each reading.
final class SteppingClock: Sendable {
    private let value: Mutex<Int64>
    private let step: Int64

    init(start: Int64, step: Int64) {
        value = Mutex(start)
        self.step = step
    }

    var now: @Sendable () -> Int64 {
        { self.value.withLock { $0 += self.step; return $0 } }
    }
}

/// What a runner reported, for a test to wait on and check.
final class EventLog: Sendable {
    private let events = Mutex<[TaskRunner.Event]>([])

    var record: @Sendable (TaskRunner.Event) -> Void { { event in self.events.withLock { $0.append(event) } } }

    /// The tasks that finished, in the order they did.
    var finished: [String] {
        events.withLock { $0.compactMap { if case .finished(let task, _) = $0 { task } else { nil } } }
    }

    func failures(_ task: String) -> Int { retryDelays(task).count }

    func retryDelays(_ task: String) -> [Duration] {
        events.withLock { $0.compactMap { if case .failed(task, _, _, let delay) = $0 { delay } else { nil } } }
    }
}
