import Foundation
import SedimentKafka
import SedimentKafkaTestSupport
import Testing
@testable import Sediment

/// `sediment replay` puts an archived range back into a Kafka cluster (here a second mock
/// cluster): every message as it was, in order, exactly once even when the replay is
/// killed and resumed.
@Suite("sediment replay")
struct ReplayTests {
    let scratch = TemporaryDirectory(label: "replay")

    /// `count` messages over `partitions` in an archive, with every shape the store keeps:
    /// binary, null and empty keys and values, duplicate header names, LogAppendTime.
    static func archive(
        count: Int, partitions: Int32, label: String, adjust: (inout Message, Int) -> Void = { _, _ in }
    ) throws -> (CompactionFixture, [Int32: [Message]]) {
        let fixture = CompactionFixture(label: label)
        var factory = MessageFactory(seed: 0x5EED)
        var next: [Int32: Int64] = [:]
        var messages: [Message] = []
        for index in 0..<count {
            let partition = Int32(index % Int(partitions))
            let offset = next[partition, default: 0]
            next[partition] = offset + 1
            var message = factory.message(partition: partition, offset: offset, timestamp: windowBase + Int64(index))
            // The mock cluster keeps about 5 MB a partition: values stay small.
            if let value = message.value, value.count > 40 { message.value = Array(value.prefix(40)) }
            if index % 5 == 0 { message.headers += [Header(name: "trace", value: Array("again".utf8)), Header(name: "trace", value: nil)] }
            adjust(&message, index)
            messages.append(message)
        }
        try fixture.append(messages)
        return (fixture, Dictionary(grouping: messages, by: \.partition))
    }

    /// Everything `topic` holds on `cluster`, per partition in offset order.
    static func consume(_ cluster: MockCluster, topic: String, partitions: Int32, expecting count: Int) throws -> [Int32: [Message]] {
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        defer { consumer.close() }
        try consumer.assign((0..<partitions).map { (TopicPartition(topic: topic, partition: $0), offset: KafkaConsumer.beginning) })
        var received: [Int32: [Message]] = [:]
        var total = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(200)) { view in
                received[view.partition, default: []].append(Message(
                    partition: view.partition, offset: view.offset, timestamp: view.timestamp,
                    timestampType: view.timestampType == .logAppendTime ? .logAppendTime : .createTime,
                    key: view.key.map { Array($0) }, headers: view.headers().map { Header(name: $0.name, value: $0.value.map { Array($0) }) },
                    value: view.value.map { Array($0) }))
                total += 1
            }
            // A little longer past the expected count, so that a duplicate would show.
            if total >= count {
                _ = try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(500)) { _ in total += 1 }
                break
            }
        }
        #expect(total == count, "the target holds \(total) messages, expected \(count)")
        return received
    }

    /// `sediment replay` of all of `archive`'s 'orders' into a new cluster, then what that
    /// cluster holds checked against `source` (`expectReplayed`).
    static func replayAll(
        _ archive: String, _ source: [Int32: [Message]], partitions: Int32, scratch: TemporaryDirectory,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let count = source.values.reduce(0) { $0 + $1.count }
        let target = try MockCluster()
        try target.createTopic("orders", partitions: partitions)
        let output = String(decoding: try CLIProcess.succeed(
            ["replay", "--archive", archive, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers], scratch: scratch), as: UTF8.self)
        #expect(output.contains(": \(count) messages acknowledged"), "\(output)", sourceLocation: sourceLocation)
        expectReplayed(try consume(target, topic: "orders", partitions: partitions, expecting: count), source, sourceLocation: sourceLocation)
    }

    /// The target partition holds the source partition's messages, in order, each once:
    /// keys, values, headers and timestamps as they were; the timestamp as CreateTime.
    static func expectReplayed(_ target: [Int32: [Message]], _ source: [Int32: [Message]], sourceLocation: SourceLocation = #_sourceLocation) {
        for (partition, expected) in source {
            let got = target[partition] ?? []
            #expect(got.count == expected.count, "partition \(partition): \(got.count) of \(expected.count)", sourceLocation: sourceLocation)
            let mismatch = (0..<min(got.count, expected.count)).first { !isReplay(got[$0], of: expected[$0]) }
            #expect(mismatch == nil, "partition \(partition): message \(mismatch ?? -1) differs", sourceLocation: sourceLocation)
        }
    }

    /// As `isReplay`, but a message archived with timestamp 0 carries the time it was sent.
    static func isReplayKeepingClock(_ got: Message, of original: Message) -> Bool {
        guard original.timestamp == 0 else { return isReplay(got, of: original) }
        var sent = original
        sent.timestamp = got.timestamp
        return got.timestamp > 0 && isReplay(got, of: sent)
    }

    static func isReplay(_ got: Message, of original: Message) -> Bool {
        guard got.key == original.key, got.value == original.value else { return false }
        guard got.headers == original.headers, got.timestamp == original.timestamp else { return false }
        return got.timestampType == .createTime
    }

    @Test("100,000 messages replayed into another cluster equal the originals, per partition and in order")
    func fidelity() throws {
        let (fixture, source) = try Self.archive(count: 100_000, partitions: 8, label: "replay-fidelity")
        #expect(source.values.contains { $0.contains { $0.timestampType == .logAppendTime } } && source.values.contains { $0.contains { $0.key == nil } })
        let target = try MockCluster()
        try target.createTopic("orders", partitions: 8)

        let plan = try CLIProcess.succeed(["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--dry-run"], scratch: scratch)
        #expect(String(decoding: plan, as: UTF8.self).contains("would send 100000 messages of 'orders'; nothing sent"))

        let output = try CLIProcess.succeed(
            ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers], scratch: scratch)
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains(": 100000 messages acknowledged into 'orders'") && text.contains("partition 7: 12500 messages"), "\(text)")
        Self.expectReplayed(try Self.consume(target, topic: "orders", partitions: 8, expecting: 100_000), source)

        let replays = try Archive.open(at: fixture.path).replays()
        #expect(replays.count == 1 && replays[0].state == .done && replays[0].acknowledged == 100_000 && replays[0].messages == 100_000)
        // The offset map is compact: one run per partition, offset o went to offset o.
        let runs = try Archive.open(at: fixture.path).replayRuns(id: replays[0].id)
        #expect(runs.count == 8 && runs.allSatisfy { $0.sourceFirst == 0 && $0.sourceLast == 12_499 && $0.targetFirst == 0 && $0.sourcePartition == $0.targetPartition }, "\(runs)")
    }

    @Test("killed five times at random moments and resumed: every message is in the target exactly once, in order")
    func resumeAfterKills() throws {
        let (fixture, source) = try Self.archive(count: 40_000, partitions: 4, label: "replay-resume")
        let target = try MockCluster()
        try target.createTopic("orders", partitions: 4)
        var random = SplitMix64(seed: 0xB10C)
        let start = ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers, "--rate", "8000"]
        var process = try CLIProcess(start, scratch: scratch)
        var id: String?
        var kills = 0
        for _ in 0..<5 {
            // Until the replay is recorded, there is nothing to resume.
            while id == nil {
                id = try Archive.open(at: fixture.path).replays().first?.id
                if id == nil { Thread.sleep(forTimeInterval: 0.01) }
            }
            Thread.sleep(forTimeInterval: Double(150 + random.next() % 700) / 1000)
            process.kill()
            if try process.wait().signaled { kills += 1 }
            process = try CLIProcess(["replay", "--archive", fixture.path, "--resume", id!, "--rate", "8000"], scratch: scratch)
        }
        let last = try process.wait(timeout: .seconds(120))
        #expect(last.succeeded, "\(last.summary)")
        #expect(kills == 5, "only \(kills) runs were killed mid-way")
        let progress = try Archive.open(at: fixture.path).replays()
        #expect(progress.count == 1 && progress[0].state == .done && progress[0].acknowledged == 40_000, "\(progress)")
        Self.expectReplayed(try Self.consume(target, topic: "orders", partitions: 4, expecting: 40_000), source)
        let list = try CLIProcess.succeed(["replay", "--archive", fixture.path, "--list"], scratch: scratch)
        #expect(String(decoding: list, as: UTF8.self).contains("\(id!)  local/orders -> orders at \(target.bootstrapServers)"))
    }

    @Test("a target without the topic, or with fewer partitions than same partitioning needs, is refused before anything is sent")
    func refusedTargets() throws {
        let (fixture, _) = try Self.archive(count: 100, partitions: 4, label: "replay-refused")
        let target = try MockCluster()
        try target.createTopic("small", partitions: 2)
        let missing = try CLIProcess.run(
            ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers, "--to-topic", "absent"],
            scratch: scratch)
        #expect(missing.status == ExitStatus.data && missing.stderr.contains("the target topic 'absent' does not exist"), "\(missing.summary)")
        let small = try CLIProcess.run(
            ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers, "--to-topic", "small"],
            scratch: scratch)
        #expect(small.status == ExitStatus.usage && small.stderr.contains("has 2 partitions, and --partitioning same needs partition 3"), "\(small.summary)")
        #expect(try Archive.open(at: fixture.path).replays().isEmpty)
        let spread = try CLIProcess.succeed(
            ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers, "--to-topic", "small",
             "--partitioning", "key", "--source-headers"], scratch: scratch)
        #expect(String(decoding: spread, as: UTF8.self).contains(": 100 messages acknowledged into 'small'"))
        let received = try Self.consume(target, topic: "small", partitions: 2, expecting: 100)
        let all = received.values.flatMap { $0 }
        #expect(all.allSatisfy { message in message.headers.suffix(4).map(\.name) == ["sediment.source.topic", "sediment.source.partition", "sediment.source.offset", "sediment.source.timestamp"] })
        // Keyed messages land where Kafka's Java producer puts them.
        for message in all {
            guard let key = message.key else { continue }
            #expect(message.partition == Murmur2.partition(of: key, partitions: 2))
        }
        // Spread over the target's partitions, the map is still a run per pair of partitions.
        let replay = try #require(try Archive.open(at: fixture.path).replays().first)
        let runs = try Archive.open(at: fixture.path).replayRuns(id: replay.id)
        #expect(runs.count <= 8 && runs.reduce(0) { $0 + $1.messages } == 100, "\(runs)")
    }

    @Test("a transaction the target cannot commit is aborted and nothing of it recorded; the resume completes the range once; timestamp 0 is counted")
    func abortedTransaction() throws {
        let (fixture, source) = try Self.archive(count: 6000, partitions: 2, label: "replay-abort") { message, index in
            if index % 1000 == 7 { message.timestamp = 0 }
        }
        let start = ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0"]
        // EndTxn (API key 26) answered UNKNOWN_PRODUCER_ID (59): librdkafka makes the
        // transaction abortable. Without transactions the same error never comes into play.
        let plain = try MockCluster()
        try plain.createTopic("orders", partitions: 2)
        plain.pushRequestErrors(apiKey: 26, errors: [59])
        let untransacted = try CLIProcess.succeed(start + ["--brokers", plain.bootstrapServers, "--no-transactions"], scratch: scratch)
        #expect(String(decoding: untransacted, as: UTF8.self).contains(
            "6 messages had timestamp 0, which Kafka clients send as the time of sending: they carry the replay's time"))
        let first = try #require(try Archive.open(at: fixture.path).replays().first)
        #expect(!first.transactional && first.state == .done)

        let target = try MockCluster()
        try target.createTopic("orders", partitions: 2)
        target.pushRequestErrors(apiKey: 26, errors: [59])
        let failed = try CLIProcess.run(start + ["--brokers", target.bootstrapServers], scratch: scratch)
        #expect(failed.status == ExitStatus.remote && failed.stderr.contains("could not commit the replay's transaction, so it was aborted"), "\(failed.summary)")
        let replay = try #require(try Archive.open(at: fixture.path).replays().first { $0.id != first.id })
        #expect(replay.transactional && replay.state == .failed && replay.acknowledged == 0, "\(replay)")
        #expect(try Archive.open(at: fixture.path).replayRuns(id: replay.id).isEmpty)

        // librdkafka 2.0.2's mock cluster writes no abort markers, so the aborted records
        // stay readable and the resume finds them (timestamp-0 ones carry the first run's
        // time); a broker hides them from a read-committed consumer, and the resume sends
        // them again.
        let resumed = try CLIProcess.succeed(["replay", "--archive", fixture.path, "--resume", replay.id], scratch: scratch)
        #expect(String(decoding: resumed, as: UTF8.self).contains(": 6000 messages acknowledged into 'orders'"))
        #expect(try Archive.open(at: fixture.path).replays().first { $0.id == replay.id }?.acknowledged == 6000)
        for cluster in [plain, target] {
            let received = try Self.consume(cluster, topic: "orders", partitions: 2, expecting: 6000)
            for (partition, expected) in source {
                let got = received[partition] ?? []
                #expect(got.count == expected.count)
                let mismatch = Array(zip(got, expected)).firstIndex { pair in !Self.isReplayKeepingClock(pair.0, of: pair.1) }
                #expect(mismatch == nil, "partition \(partition): message \(mismatch ?? -1) differs")
            }
        }
    }

    @Test("a range local retention took out of the archive is replayed from the bucket it was uploaded to")
    func replayFromTheBucket() throws {
        // Over 1 MiB a partition: two segments each, and retention deletes the first.
        let (fixture, source) = try Self.archive(count: 60_000, partitions: 3, label: "replay-bucket")
        let bucket = "file://" + scratch.file("bucket")
        for _ in 0..<2 {
            _ = try CLIProcess.succeed(
                ["compact", "--archive", fixture.path, "--granularity", "5m", "--local-retention", "1d", "--target", bucket], scratch: scratch)
        }
        #expect(fixture.visibleWindowFiles().isEmpty)
        let local = try CLIProcess.run(["query", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--count", "--local-only"], scratch: scratch)
        #expect(local.status == ExitStatus.data, "only the bucket holds part of it: \(local.summary)")
        try Self.replayAll(fixture.path, source, partitions: 3, scratch: scratch)
    }

    @Test("an archive restored from a bucket (windows, no segments) replays every message, in offset order")
    func replayRestoredArchive() async throws {
        let (fixture, source) = try Self.archive(count: 9000, partitions: 3, label: "replay-restored")
        let bucket = scratch.file("restored-bucket")
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--granularity", "5m", "--close-all", "--target", "file://" + bucket], scratch: scratch)
        let restored = scratch.file("restored")
        _ = try CLIProcess.succeed(["restore", "--archive", restored, "--target", "file://" + bucket, "--topic", "orders", "--from", "0"], scratch: scratch)
        try Self.replayAll(restored, source, partitions: 3, scratch: scratch)
        let resumeWithFlags = try CLIProcess.run(
            ["replay", "--archive", restored, "--resume", try #require(try Archive.open(at: restored).replays().first?.id), "--dry-run", "--topic", "x"],
            scratch: scratch)
        #expect(resumeWithFlags.status == ExitStatus.usage && resumeWithFlags.stderr.contains("leave out --topic, --dry-run"), "\(resumeWithFlags.summary)")
    }

    @Test("--key-prefix and --header send only the messages they keep, recorded with the replay for a resume")
    func filteredReplay() throws {
        let (fixture, source) = try Self.archive(count: 5000, partitions: 2, label: "replay-filtered")
        let target = try MockCluster()
        try target.createTopic("orders", partitions: 2)
        let keep = MessageFilter(keyPrefixes: [Array("key-1".utf8)], headers: [.init(name: "trace", value: nil)])
        let expected = source.mapValues { $0.filter(keep.matches) }
        let count = expected.values.reduce(0) { $0 + $1.count }
        #expect(count > 100 && count < 2500, "a selection, not all or nothing: \(count)")
        let output = try CLIProcess.succeed(
            ["replay", "--archive", fixture.path, "--topic", "orders", "--from", "0", "--brokers", target.bootstrapServers,
             "--key-prefix", "key-1", "--header", "trace"], scratch: scratch)
        #expect(String(decoding: output, as: UTF8.self).contains(": \(count) messages acknowledged"))
        Self.expectReplayed(try Self.consume(target, topic: "orders", partitions: 2, expecting: count), expected)
        let replay = try #require(try Archive.open(at: fixture.path).replays().first)
        #expect(replay.filter == keep)
        // The map skips what the filter left out: a run per partition, not one per gap.
        let runs = try Archive.open(at: fixture.path).replayRuns(id: replay.id)
        #expect(runs.count == 2 && runs.allSatisfy { !$0.isDense } && runs.reduce(0) { $0 + $1.messages } == Int64(count), "\(runs)")
    }

    @Test("key partitioning places keys as librdkafka's murmur2 partitioner (the Java producer's) does")
    func murmur2MatchesKafka() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("keys", partitions: 7)
        let placed = ReportedPartitions()
        let producer = try KafkaProducer(
            configuration: ["bootstrap.servers": cluster.bootstrapServers, "partitioner": "murmur2"], onDelivery: { placed.add($0) })
        var random = SplitMix64(seed: 77)
        var keys: [[UInt8]] = []
        for index in 0..<500 {
            let key = (0..<Int(random.next() % 24)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            keys.append(key)
            try producer.produce(topic: "keys", key: key, value: [], opaque: UInt64(index))
        }
        try producer.flush(timeout: .seconds(30))
        let partitions = placed.partitions
        #expect(partitions.count == 500)
        for (index, key) in keys.enumerated() {
            #expect(partitions[UInt64(index)] == Murmur2.partition(of: key, partitions: 7), "key \(key)")
        }
    }
}

/// Delivery reports gathered from the producer's callback.
final class ReportedPartitions: @unchecked Sendable {
    private let lock = NSLock()
    private var placed: [UInt64: Int32] = [:]

    func add(_ report: DeliveryReport) { lock.withLock { placed[report.opaque] = report.partition } }
    var partitions: [UInt64: Int32] { lock.withLock { placed } }
}
