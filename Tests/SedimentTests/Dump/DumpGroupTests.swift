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

    func dumpCaughtUp(_ fixture: KafkaFixture, _ archive: String, topic: String, _ extra: [String]) throws -> CLIProcess.Result {
        try CLIProcess.run(
            ["dump", "--brokers", fixture.bootstrap, "--topic", topic, "--archive", archive, "--until-caught-up", "--linger", "20ms",
             "--no-compact", "--kafka-option", "session.timeout.ms=6000", "--kafka-option", "heartbeat.interval.ms=500"] + extra,
            scratch: scratch, timeout: .seconds(180))
    }

    /// A topic holding `count` messages, and an archive a first `dump --group` caught up with.
    func archived(topic: String, partitions: Int32, count: Int, group: String) throws -> (KafkaFixture, String) {
        let fixture = try KafkaFixture(topics: [topic: partitions])
        try fixture.produce(topic: topic, partitions: partitions, count: count)
        let archive = scratch.file("archive-\(topic)")
        let first = try dumpCaughtUp(fixture, archive, topic: topic, ["--group", group])
        #expect(first.succeeded, "\(first.summary)")
        return (fixture, archive)
    }

    @Test("the archive's positions win over the group's: with the group's offsets gone (expired) and --start latest, every partition resumes where the archive stopped")
    func archivePositionsWin() throws {
        let (fixture, archive) = try archived(topic: "g", partitions: 2, count: 100, group: "first")
        try fixture.produce(topic: "g", partitions: 2, count: 100, startTimestamp: 1_764_000_100_000)
        // A group that has no committed offsets is what expired offsets leave: librdkafka
        // would start such a partition at auto.offset.reset, here the end.
        let second = try dumpCaughtUp(fixture, archive, topic: "g", ["--group", "second", "--start", "latest"])
        #expect(second.succeeded && second.stdoutText.contains("stored 100 messages"), "\(second.stdoutText) \(second.summary)")
        try fixture.expectArchive(archive, topic: "g")
    }

    @Test("a position the broker's retention passed resumes at the low watermark; the lost offsets are recorded and shown by status and verify")
    func brokerRetentionGap() throws {
        let (fixture, archive) = try archived(topic: "r", partitions: 1, count: 10, group: "keep")
        // The mock keeps about 5 MB per partition: 9 MB more push the first messages out.
        let value = [UInt8](repeating: 0x61, count: 8 << 10)
        for _ in 0..<1150 { try fixture.producer.produce(topic: "r", partition: 0, key: nil, value: value) }
        try fixture.producer.flush(timeout: .seconds(60))
        let watcher = try KafkaConsumer(configuration: ["bootstrap.servers": fixture.bootstrap])
        let (low, high) = try watcher.watermarks(TopicPartition(topic: "r", partition: 0), timeout: .seconds(10))
        watcher.close()
        #expect(low > 10 && high == 1160, "the broker deleted the oldest messages: \(low)..<\(high)")

        // The group's committed offset (10) is out of range too: --start latest would have
        // jumped to the end.
        let second = try dumpCaughtUp(fixture, archive, topic: "r", ["--group", "keep", "--start", "latest"])
        #expect(second.succeeded && second.stdoutText.contains("stored \(high - low) messages"), "\(second.stdoutText) \(second.summary)")
        let stored = try Archive.open(at: archive).messages(of: PartitionKey(instance: "local", topic: "r", partition: 0), offsets: 0...Int64.max).all()
        #expect(stored.map(\.offset) == Array(0..<10) + Array(low..<high))

        let status = try CLIProcess.succeed(["status", "--archive", archive, "--json"], scratch: scratch)
        let report = try JSONSerialization.jsonObject(with: status) as? [String: Any]
        let partition = (report?["partitions"] as? [[String: Any]])?.first
        let unavailable = partition?["unavailableOffsets"] as? [[String: Any]]
        #expect(unavailable?.count == 1 && unavailable?.first?["firstOffset"] as? Int == 10
            && unavailable?.first?["lastOffset"] as? Int == Int(low - 1), "\(String(decoding: status, as: UTF8.self))")
        let text = String(decoding: try CLIProcess.succeed(["status", "--archive", archive], scratch: scratch), as: UTF8.self)
        #expect(text.contains("local/r/0: offsets 10...\(low - 1) (\(low - 10)) deleted by the broker's retention before the archive read them"), "\(text)")

        let verify = try CLIProcess.run(["verify", "--archive", archive, "--json"], scratch: scratch)
        #expect(verify.succeeded, "a gap is not a problem: \(verify.summary)")
        let gaps = verify.stdoutText.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["type"] as? String == "gap" }
        #expect(gaps.count == 1 && gaps.first?["reason"] as? String == "broker-retention"
            && gaps.first?["firstOffset"] as? Int == 10 && gaps.first?["lastOffset"] as? Int == Int(low - 1), "\(verify.stdoutText)")
        let verifyText = try CLIProcess.run(["verify", "--archive", archive], scratch: scratch)
        #expect(verifyText.stdoutText.contains("deleted by the broker's retention before the archive read them"), "\(verifyText.stdoutText)")
    }

    @Test("two workers split the partitions, a third joins, and every message is archived across the three, each archive without a hole")
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

        // Every partition's messages, merged over the three archives: every offset, and
        // each archive whole from the first offset it holds. A partition that comes back to
        // a worker resumes from that worker's archive, so an offset may be in two archives
        // (never with other bytes), but in none is there a hole.
        let archives = try ["a", "b", "c"].map { try Archive.open(at: scratch.file($0)) }
        var workersWithData = 0
        for archive in archives where try archive.statistics().contains(where: { $0.messages > 0 }) { workersWithData += 1 }
        #expect(workersWithData == 3, "every worker should have archived something")
        for partition in Int32(0)..<6 {
            let key = PartitionKey(instance: "local", topic: "shared", partition: partition)
            let produced = fixture.produced["shared"]?[partition] ?? []
            var merged: [Int64: Message] = [:]
            for archive in archives {
                let held = try archive.messages(of: key, offsets: 0...Int64.max).all()
                if let first = held.first {
                    #expect(held.map(\.offset) == Array(first.offset..<first.offset + Int64(held.count)), "contiguous in one archive")
                }
                for message in held {
                    #expect(merged[message.offset].map { $0 == message } ?? true, "the same bytes wherever an offset is held")
                    merged[message.offset] = message
                }
            }
            expectSame(merged.values.sorted { $0.offset < $1.offset }, produced)
        }
        let workers = try archives.flatMap { try $0.statistics() }.filter { $0.messages > 0 }.compactMap(\.worker)
        #expect(Set(workers) == ["a", "b", "c"])
    }
}
