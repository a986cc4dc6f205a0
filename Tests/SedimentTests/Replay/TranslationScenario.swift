import Foundation
import SedimentKafka
import Testing
@testable import Sediment

/// Topics on a source mock cluster, dumped into an archive by `sediment dump`, and a
/// target mock cluster whose partitions already hold unrelated messages, so that a
/// replayed message's target offset differs from its source offset.
final class TranslationScenario {
    let source: KafkaFixture
    let target: MockCluster
    let archive: String
    /// Per target partition, how many unrelated messages it held before any replay.
    let unrelated: [Int32: Int64]
    private let scratch: TemporaryDirectory

    /// `count` messages per source topic, 1 ms apart, round-robin over its partitions, so
    /// that message i of a 3-partition topic is offset i / 3 of partition i % 3.
    init(sourceTopics: [String: Int32], count: Int, targetTopics: [String: Int32], unrelated: [Int32: Int64], scratch: TemporaryDirectory) throws {
        self.scratch = scratch
        source = try KafkaFixture(topics: sourceTopics)
        for (topic, partitions) in sourceTopics.sorted(by: { $0.key < $1.key }) {
            try source.produce(topic: topic, partitions: partitions, count: count, startTimestamp: Self.start)
        }
        archive = scratch.file("archive-\(UUID().uuidString)")
        let dump = try CLIProcess.run(
            ["dump", "--brokers", source.bootstrap, "--archive", archive, "--until-caught-up", "--linger", "50ms"]
                + sourceTopics.keys.sorted().flatMap { ["--topic", $0] },
            scratch: scratch, timeout: .seconds(180))
        guard dump.succeeded else { throw CLIProcess.Failure(description: "dump failed: \(dump.summary)") }
        target = try MockCluster()
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": target.bootstrapServers, "linger.ms": "5"])
        for (topic, partitions) in targetTopics {
            try target.createTopic(topic, partitions: partitions)
            for (partition, count) in unrelated where partition < partitions {
                for index in 0..<count {
                    try producer.produce(topic: topic, partition: partition, key: Array("unrelated".utf8), value: Array("unrelated \(index)".utf8))
                }
            }
        }
        try producer.flush(timeout: .seconds(30))
        self.unrelated = unrelated
    }

    static let start: Int64 = 1_764_000_000_000
    /// The key of the message `readAsGroup` ends each partition with.
    static let endMarker = Array("end-marker".utf8)

    /// Runs `sediment replay` into the target cluster (from time 0 unless `arguments` say)
    /// and returns the replay's id.
    func replay(_ arguments: [String]) throws -> String {
        let before = Set(try Archive.open(at: archive).replays().map(\.id))
        let from = arguments.contains("--from") ? [] : ["--from", "0"]
        _ = try CLIProcess.succeed(["replay", "--archive", archive, "--brokers", target.bootstrapServers] + from + arguments, scratch: scratch)
        let made = try Archive.open(at: archive).replays().filter { !before.contains($0.id) }
        guard made.count == 1, made[0].state == .done else { throw CLIProcess.Failure(description: "the replay left \(made)") }
        return made[0].id
    }

    func translate(_ replay: String, group: String, _ arguments: [String]) throws -> CLIProcess.Result {
        try CLIProcess.run(["offsets", "translate", "--archive", archive, "--replay", replay, "--group", group] + arguments, scratch: scratch)
    }

    /// Commits `offsets` for `group` as a client outside the group, as a consumer of it
    /// that stopped there would have.
    func commitOnSource(group: String, topic: String, _ offsets: [Int32: Int64]) throws {
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": source.bootstrap, "group.id": group])
        defer { consumer.close() }
        try consumer.commit(Dictionary(uniqueKeysWithValues: offsets.map { (TopicPartition(topic: topic, partition: $0.key), $0.value) }))
    }

    /// What a consumer of `group` that joins it on the target reads, per partition, up to
    /// an end marker produced into every partition first: reading the marker says that
    /// everything before it was read, and where the group starts shows even in a partition
    /// it has nothing else to read in. `auto.offset.reset=earliest`: a partition without a
    /// committed offset would show as the unrelated messages read from offset 0.
    func readAsGroup(_ group: String, topic: String, partitions: Int32) throws -> [Int32: [Message]] {
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": target.bootstrapServers])
        for partition in 0..<partitions { try producer.produce(topic: topic, partition: partition, key: Self.endMarker, value: nil) }
        try producer.flush(timeout: .seconds(30))
        let consumer = try KafkaConsumer(configuration: [
            "bootstrap.servers": target.bootstrapServers, "group.id": group, "auto.offset.reset": "earliest",
        ])
        defer { consumer.close() }
        let all = (0..<partitions).map { TopicPartition(topic: topic, partition: $0) }
        var ends: [TopicPartition: Int64] = [:]
        for partition in all { ends[partition] = try consumer.watermarks(partition, timeout: .seconds(30)).high }
        try consumer.subscribe([topic]) { _ in nil }
        var received: [Int32: [Message]] = [:]
        // A bound on a hang, not on the result: the loop ends when every partition's
        // position is past its marker.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) { view in
                received[view.partition, default: []].append(Message(
                    partition: view.partition, offset: view.offset, timestamp: view.timestamp,
                    key: view.key.map { Array($0) }, headers: view.headers().map { Header(name: $0.name, value: $0.value.map { Array($0) }) },
                    value: view.value.map { Array($0) }))
            }
            let positions = try consumer.positions(all)
            if positions.count == all.count, positions.allSatisfy({ $0.value == ends[$0.key] }) { return received }
        }
        let positions = try consumer.positions(all)
        Issue.record("group '\(group)' did not reach the end of '\(topic)' within 60 s; positions \(positions), ends \(ends)")
        return received
    }
}

/// `sediment offsets translate --json`.
struct TranslationJSON: Decodable {
    struct Row: Decodable, Equatable {
        var sourcePartition: Int32
        var sourceOffset: Int64?
        var targetPartition: Int32?
        var targetOffset: Int64?
    }

    struct Position: Decodable, Equatable {
        var partition: Int32
        var offset: Int64
    }

    var replay: String
    var group: String
    var rows: [Row]
    var positions: [Position]
    var committedOn: String?

    init(_ data: Data) throws { self = try JSONDecoder().decode(Self.self, from: data) }
}
