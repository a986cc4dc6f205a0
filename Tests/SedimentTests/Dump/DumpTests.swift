import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `sediment dump` as a process, consuming from a mock cluster hosted by the test.
@Suite("sediment dump")
struct DumpTests {
    let scratch = TemporaryDirectory(label: "dump")

    func dump(_ fixture: KafkaFixture, _ archive: String, topic: String, _ extra: [String] = []) throws -> CLIProcess.Result {
        try CLIProcess.run(
            ["dump", "--brokers", fixture.bootstrap, "--topic", topic, "--archive", archive, "--until-caught-up", "--linger", "50ms"] + extra,
            scratch: scratch, timeout: .seconds(180))
    }

    @Test("100,000 messages over 3 partitions arrive byte for byte, contiguous, once")
    func roundTrip() throws {
        let fixture = try KafkaFixture(topics: ["orders": 3])
        try fixture.produce(topic: "orders", partitions: 3, count: 100_000)
        let archive = scratch.file("round-trip")
        let result = try dump(fixture, archive, topic: "orders")
        #expect(result.succeeded, "\(result.summary)")
        #expect(result.stdoutText.contains("stored 100000 messages"), "\(result.stdoutText)")
        try fixture.expectArchive(archive, topic: "orders")
        // Run again: everything is already stored, nothing is fetched twice.
        let again = try dump(fixture, archive, topic: "orders")
        #expect(again.succeeded && again.stdoutText.contains("stored 0 messages"), "\(again.stdoutText) \(again.summary)")
        try fixture.expectArchive(archive, topic: "orders")
    }

    @Test("a LogAppendTime batch (written raw to the broker) is archived as LogAppendTime with the broker's time; CreateTime around it stays")
    func logAppendTime() throws {
        let fixture = try KafkaFixture(topics: ["stamped": 1])
        try fixture.produce(topic: "stamped", partitions: 1, count: 50)
        let created = fixture.produced["stamped"]![0]!
        let records = [
            RawProduce.Record(key: [0xFF, 0x00], value: Array("stamped by the broker".utf8), headers: [("trace", [1, 2]), ("none", nil)]),
            RawProduce.Record(key: nil, value: nil),
            RawProduce.Record(key: [], value: [0x00, 0xC3, 0x28]),
        ]
        let stampedAt: Int64 = 1_764_000_999_000
        try RawProduce.send(records, topic: "stamped", partition: 0, timestamp: stampedAt, logAppendTime: true, broker: fixture.bootstrap)
        let archive = scratch.file("log-append-time")
        let result = try dump(fixture, archive, topic: "stamped")
        #expect(result.succeeded, "\(result.summary)")
        let stored = try Archive.open(at: archive)
            .messages(of: PartitionKey(instance: "local", topic: "stamped", partition: 0), offsets: 0...Int64.max).all()
        #expect(stored.map(\.offset) == Array(0..<53))
        #expect(Array(stored.prefix(50)) == created)
        for (message, record) in zip(stored.suffix(3), records) {
            #expect(message.timestampType == .logAppendTime && message.timestamp == stampedAt)
            #expect(message.key == record.key && message.value == record.value)
            #expect(message.headers == record.headers.map { Header(name: $0.0, value: $0.1) })
        }
    }

    @Test("a consumer queue far smaller than a fetch stops librdkafka's fetching again and again; every message still arrives once")
    func fullConsumerQueue() throws {
        let fixture = try KafkaFixture(topics: ["small-queue": 4])
        try fixture.produce(topic: "small-queue", partitions: 4, count: 20_000)
        let archive = scratch.file("small-queue")
        // Each full queue is a stall the dump ends by waking the fetcher (FetchWakeup).
        let result = try dump(fixture, archive, topic: "small-queue", [
            "--kafka-option", "queued.max.messages.kbytes=16", "--kafka-option", "queued.min.messages=100",
            "--kafka-option", "debug=fetch", "--log-level", "debug",
        ])
        #expect(result.succeeded, "\(result.summary)")
        // librdkafka's own lines, passed through by --log-level debug, show the queue was full.
        #expect(result.stderr.contains("librdkafka FETCH"), "\(result.stderr.suffix(2000))")
        #expect(result.stderr.contains("not fetchable: queued.m"), "\(result.stderr.suffix(2000))")
        try fixture.expectArchive(archive, topic: "small-queue")
    }

    @Test("--start earliest, offset:N and timestamp:TIME on a fresh archive; a stored position overrides --start")
    func startPositions() throws {
        let fixture = try KafkaFixture(topics: ["t": 2])
        try fixture.produce(topic: "t", partitions: 2, count: 1000, startTimestamp: 1_764_000_000_000)

        let earliest = scratch.file("earliest")
        #expect(try dump(fixture, earliest, topic: "t", ["--start", "earliest"]).succeeded)
        try fixture.expectArchive(earliest, topic: "t")

        let offset = scratch.file("offset")
        #expect(try dump(fixture, offset, topic: "t", ["--start", "offset:300"]).succeeded)
        try fixture.expectArchive(offset, topic: "t", from: [0: 300, 1: 300])

        // After the last message: offsets-for-times answers "none", so nothing is read.
        let later = scratch.file("timestamp")
        #expect(try dump(fixture, later, topic: "t", ["--start", "timestamp:1764000100000"]).succeeded)
        #expect(try Archive.open(at: later).statistics().allSatisfy { $0.messages == 0 })

        // The earliest archive holds everything; more messages, then --start latest: the
        // stored positions win, so the new messages are archived and nothing is skipped.
        try fixture.produce(topic: "t", partitions: 2, count: 100, startTimestamp: 1_764_000_010_000)
        #expect(try dump(fixture, earliest, topic: "t", ["--start", "latest"]).succeeded)
        try fixture.expectArchive(earliest, topic: "t")
    }

    @Test("--start offset:N outside a partition's offsets is refused, naming partition, N and the range, unless --start-fallback says where to go")
    func startOffsetOutOfRange() throws {
        let fixture = try KafkaFixture(topics: ["t": 2])
        try fixture.produce(topic: "t", partitions: 2, count: 100)
        let refused = scratch.file("out-of-range")
        let result = try dump(fixture, refused, topic: "t", ["--start", "offset:500"])
        #expect(result.status == ExitStatus.usage && !result.signaled, "\(result.summary)")
        #expect(result.stderr.contains("offset 500") && result.stderr.contains("t/0") && result.stderr.contains("0..<50")
            && result.stderr.contains("--start-fallback"), "\(result.stderr)")
        #expect((try? Archive.open(at: refused).statistics().reduce(0) { $0 + $1.messages }) ?? 0 == 0, "nothing was stored")

        let earliest = scratch.file("fallback-earliest")
        let fromStart = try dump(fixture, earliest, topic: "t", ["--start", "offset:500", "--start-fallback", "earliest"])
        #expect(fromStart.succeeded, "\(fromStart.summary)")
        #expect(fromStart.stderr.contains("offset 500") && fromStart.stderr.contains("earliest"), "said so: \(fromStart.stderr)")
        try fixture.expectArchive(earliest, topic: "t")

        let latest = scratch.file("fallback-latest")
        let fromEnd = try dump(fixture, latest, topic: "t", ["--start", "offset:500", "--start-fallback", "latest"])
        #expect(fromEnd.succeeded && fromEnd.stdoutText.contains("stored 0 messages"), "\(fromEnd.summary)")

        // Within the range, no fallback is needed: offset:50 is each partition's end.
        let end = scratch.file("at-end")
        #expect(try dump(fixture, end, topic: "t", ["--start", "offset:50"]).succeeded)
    }

    @Test("--worker names that could escape a key prefix or a directory are refused before anything is consumed: exit 64")
    func workerNamesValidated() throws {
        let fixture = try KafkaFixture(topics: ["w": 1])
        try fixture.produce(topic: "w", partitions: 1, count: 10)
        for (worker, reason) in [("../up", "path separator"), ("a/b", "path separator"), ("..", "'..'"), ("tab\there", "control character"), ("", "empty")] {
            let archive = scratch.file("worker-\(abs(worker.hashValue))")
            let result = try dump(fixture, archive, topic: "w", ["--worker", worker])
            #expect(result.status == ExitStatus.usage && !result.signaled, "\(worker): \(result.summary)")
            #expect(result.stderr.contains("invalid worker name") && result.stderr.contains(reason), "\(worker): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: archive), "\(worker): nothing was made")
        }
    }

    /// The mock answers every lookup by time with -1, so the lookup itself cannot run here
    /// (KafkaTimestampTests pins that down); what follows the broker's answer can.
    @Test("--start timestamp: begins at the offset the broker finds, or at the end when it finds none")
    func timestampStartFromAnswer() {
        let found = DumpSession.timestampStart(found: 120, low: 100, high: 500)
        #expect(found.offset == 120 && found.target == .init(high: 500, floor: 120))
        let none = DumpSession.timestampStart(found: -1, low: 100, high: 500)
        #expect(none.offset == 500 && none.target == .init(high: 500, floor: 500))
        // An answer below what the partition still holds (retention ran since) reads from the start of what is held.
        let deleted = DumpSession.timestampStart(found: 40, low: 100, high: 500)
        #expect(deleted.offset == 40 && deleted.target == .init(high: 500, floor: 100))
    }

    @Test("--start latest archives only what is produced after the dump started")
    func startLatest() throws {
        let fixture = try KafkaFixture(topics: ["t": 2])
        try fixture.produce(topic: "t", partitions: 2, count: 500)
        let archive = scratch.file("latest")
        let process = try CLIProcess(
            ["dump", "--brokers", fixture.bootstrap, "--topic", "t", "--archive", archive, "--start", "latest", "--linger", "20ms", "--log-level", "info"],
            scratch: scratch)
        try waitUntil("the dump has its partitions") { process.stderrSoFar.contains("assigned 2 partitions") }
        // Let the fetcher reach the end before producing (the assignment resolves `latest` asynchronously).
        Thread.sleep(forTimeInterval: 1)
        try fixture.produce(topic: "t", partitions: 2, count: 40)
        try waitUntil("the new messages are archived") {
            FileManager.default.fileExists(atPath: archive + "/sediment.sqlite")
                && (try? Archive.open(at: archive).statistics().reduce(0) { $0 + $1.messages }) == 40
        }
        process.terminate()
        let result = try process.wait()
        #expect(result.succeeded, "\(result.summary)")
        try fixture.expectArchive(archive, topic: "t", from: [0: 250, 1: 250])
    }

    @Test("an unreachable broker is retried, then given up with a clear error: exit 69, remote")
    func unreachableBroker() throws {
        let result = try CLIProcess.run(
            ["dump", "--brokers", "127.0.0.1:1", "--topic", "t", "--archive", scratch.file("unreachable"), "--connect-timeout", "3s"],
            scratch: scratch, timeout: .seconds(60))
        #expect(result.status == ExitStatus.remote && !result.signaled, "\(result.summary)")
        #expect(result.stderr.contains("sediment: error: cannot reach Kafka at 127.0.0.1:1 within"), "\(result.stderr)")
        #expect(result.stderr.contains("retrying"), "\(result.stderr)")
    }

    @Test("a topic that does not exist is named in the error: exit 65, data (the cluster answered)")
    func missingTopic() throws {
        let fixture = try KafkaFixture(topics: ["present": 1])
        let result = try CLIProcess.run(
            ["dump", "--brokers", fixture.bootstrap, "--topic", "absent", "--archive", scratch.file("missing"), "--connect-timeout", "10s"],
            scratch: scratch, timeout: .seconds(60))
        #expect(result.status == ExitStatus.data && !result.signaled, "\(result.summary)")
        #expect(result.stderr.contains("topic 'absent' does not exist"), "\(result.stderr)")
    }
}
