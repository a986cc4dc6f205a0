import Foundation
import SedimentKafka
import Testing
@testable import Sediment

@Suite("sediment dump in a consumer group")
struct DumpGroupTests {
    let scratch = TemporaryDirectory(label: "dump-group")

    func worker(_ name: String, _ fixture: KafkaFixture) throws -> CLIProcess {
        try CLIProcess(
            ["dump", "--brokers", fixture.bootstrap, "--topic", "shared", "--archive", scratch.file(name), "--group", "archivers",
             "--worker", name, "--linger", "20ms", "--log-level", "info",
             "--kafka-option", "session.timeout.ms=6000", "--kafka-option", "heartbeat.interval.ms=500"],
            scratch: scratch)
    }

    func stored(_ names: [String]) -> Int64 {
        names.reduce(0) { total, name in
            let path = scratch.file(name)
            guard FileManager.default.fileExists(atPath: path + "/sediment.sqlite"),
                let statistics = try? Archive.open(at: path).statistics()
            else { return total }
            return total + statistics.reduce(0) { $0 + $1.messages }
        }
    }

    /// The sum of the group's committed offsets over the topic's partitions.
    func committedTotal(_ fixture: KafkaFixture) throws -> Int64 {
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": fixture.bootstrap, "group.id": "archivers"])
        defer { consumer.close() }
        let partitions = (Int32(0)..<6).map { TopicPartition(topic: "shared", partition: $0) }
        return try consumer.committed(partitions, timeout: .seconds(5)).values.reduce(0, +)
    }

    @Test("two workers split the partitions, a third joins, and every message is archived exactly once across the three")
    func threeWorkers() throws {
        let fixture = try KafkaFixture(topics: ["shared": 6])
        try fixture.produce(topic: "shared", partitions: 6, count: 12_000)
        let a = try worker("a", fixture)
        let b = try worker("b", fixture)
        // A failed wait throws: leave no worker running behind the test.
        defer { a.kill(); b.kill() }
        try waitUntil("a and b have partitions", timeout: .seconds(90)) {
            a.stderrSoFar.contains("partitions assigned") && b.stderrSoFar.contains("partitions assigned") && stored(["a", "b"]) == 12_000
        }
        // librdkafka's mock refuses commits once a rebalance has begun (Kafka itself takes
        // them from the revoking members): let the group's offsets catch up before c joins.
        try waitUntil("the group committed what a and b archived", timeout: .seconds(60)) {
            try committedTotal(fixture) == 12_000
        }
        let c = try worker("c", fixture)
        defer { c.kill() }
        try waitUntil("the group rebalanced to c", timeout: .seconds(90)) { c.stderrSoFar.contains("partitions assigned") }
        try fixture.produce(topic: "shared", partitions: 6, count: 12_000, startTimestamp: 1_764_200_000_000)
        try waitUntil("everything is archived", timeout: .seconds(90)) { stored(["a", "b", "c"]) >= 24_000 }
        for process in [a, b, c] { process.terminate() }
        for process in [a, b, c] {
            let result = try process.wait()
            #expect(result.succeeded, "\(process.arguments): \(result.summary)")
        }

        // Every partition's messages, merged over the three archives: each offset once.
        let archives = try ["a", "b", "c"].map { try Archive.open(at: scratch.file($0)) }
        var workersWithData = 0
        for archive in archives where try archive.statistics().contains(where: { $0.messages > 0 }) { workersWithData += 1 }
        #expect(workersWithData == 3, "every worker should have archived something")
        for partition in Int32(0)..<6 {
            let key = PartitionKey(instance: "local", topic: "shared", partition: partition)
            var merged: [Message] = []
            for archive in archives { merged += try archive.messages(of: key, offsets: 0...Int64.max).all() }
            merged.sort { $0.offset < $1.offset }
            expectSame(merged, fixture.produced["shared"]?[partition] ?? [])
        }
        let workers = try archives.flatMap { try $0.statistics() }.filter { $0.messages > 0 }.compactMap(\.worker)
        #expect(Set(workers) == ["a", "b", "c"])
    }
}
