import Foundation
import SedimentKafka
import Testing
@testable import Sediment

/// `sediment offsets translate` moves a consumer group's position through a replay's
/// offset map, from the source mock cluster to the target one, where partitions held
/// unrelated messages before the replay so that no target offset equals its source offset.
@Suite("sediment offsets translate")
struct OffsetTranslationTests {
    let scratch = TemporaryDirectory(label: "translate")

    /// What the group, consuming on the target, must have read of `partition`: from
    /// `position` on, the source's messages from `committed` on of those the replay sent
    /// (`replayed`), then the end marker.
    static func expectRead(
        _ read: [Int32: [Message]], _ scenario: TranslationScenario, topic: String, partition: Int32, from committed: Int64,
        replayed: Range<Int64>, at position: Int64, keep: (Message) -> Bool = { _ in true }, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var got = read[partition] ?? []
        #expect(got.first?.offset == position, "partition \(partition): started at \(got.first?.offset ?? -1), not \(position)", sourceLocation: sourceLocation)
        #expect(got.last?.key == TranslationScenario.endMarker, "partition \(partition): the end marker was not read", sourceLocation: sourceLocation)
        got = Array(got.dropLast())
        let expected = (scenario.source.produced[topic]?[partition] ?? []).filter { $0.offset >= committed && replayed.contains($0.offset) && keep($0) }
        #expect(got.count == expected.count, "partition \(partition): read \(got.count), expected \(expected.count)", sourceLocation: sourceLocation)
        let mismatch = Array(zip(got, expected)).firstIndex { !Self.sameRecord($0.0, $0.1) }
        #expect(mismatch == nil, "partition \(partition): message \(mismatch ?? -1) differs from source offset \(committed)+", sourceLocation: sourceLocation)
    }

    /// Key, value, headers and timestamp: what a replay keeps of a message.
    static func sameRecord(_ got: Message, _ original: Message) -> Bool {
        got.key == original.key && got.value == original.value && got.headers == original.headers && got.timestamp == original.timestamp
    }

    @Test("a group committed mid-range on the source, translated with --execute, reads on the target exactly the messages after its source position")
    func translation() throws {
        let scenario = try TranslationScenario(
            sourceTopics: ["orders": 3], count: 3000, targetTopics: ["orders": 3], unrelated: [0: 17, 1: 5, 2: 40], scratch: scratch)
        let replay = try scenario.replay(["--topic", "orders"])
        let committed: [Int32: Int64] = [0: 250, 1: 731, 2: 999]
        try scenario.commitOnSource(group: "billing", topic: "orders", committed)
        // The whole topic was replayed after the unrelated messages: offset o of partition
        // p went to offset unrelated[p] + o.
        var positions: [Int32: Int64] = [:]
        for (partition, offset) in committed { positions[partition] = scenario.unrelated[partition]! + offset }

        let plan = try scenario.translate(replay, group: "billing", ["--source-brokers", scenario.source.bootstrap])
        #expect(plan.succeeded, "\(plan.summary)")
        #expect(plan.stdoutText == """
            partition 0: source offset 250 -> target offset \(positions[0]!)
            partition 1: source offset 731 -> target offset \(positions[1]!)
            partition 2: source offset 999 -> target offset \(positions[2]!)
            group 'billing': 3 positions to commit on 'orders'; nothing committed (--execute commits)

            """, "\(plan.stdoutText)")
        let probe = try KafkaConsumer(configuration: ["bootstrap.servers": scenario.target.bootstrapServers, "group.id": "billing"])
        let partitions = (0..<Int32(3)).map { TopicPartition(topic: "orders", partition: $0) }
        #expect(try probe.committed(partitions, timeout: .seconds(30)).isEmpty, "a plan commits nothing")

        let executed = try scenario.translate(replay, group: "billing", ["--source-brokers", scenario.source.bootstrap, "--execute", "--json"])
        #expect(executed.succeeded, "\(executed.summary)")
        let json = try TranslationJSON(executed.stdout)
        #expect(json.committedOn == scenario.target.bootstrapServers && json.replay == replay && json.group == "billing")
        let expected = positions.sorted { $0.key < $1.key }.map { TranslationJSON.Position(partition: $0.key, offset: $0.value) }
        #expect(json.positions == expected, "\(json.positions)")
        #expect(try probe.committed(partitions, timeout: .seconds(30)) == Dictionary(uniqueKeysWithValues: positions.map {
            (TopicPartition(topic: "orders", partition: $0.key), $0.value)
        }))
        probe.close()

        let read = try scenario.readAsGroup("billing", topic: "orders", partitions: 3)
        for partition in Int32(0)..<3 {
            Self.expectRead(read, scenario, topic: "orders", partition: partition, from: committed[partition]!, replayed: 0..<1000, at: positions[partition]!)
        }
    }

    @Test("a filtered replay maps in a run per partition; a position inside a run goes to the first kept message at or after it")
    func filtered() throws {
        let scenario = try TranslationScenario(
            sourceTopics: ["orders": 3], count: 3000, targetTopics: ["orders": 3], unrelated: [0: 4, 1: 9, 2: 2], scratch: scratch)
        let keep = MessageFilter(keyPrefixes: [Array("key-1".utf8)])
        let replay = try scenario.replay(["--topic", "orders", "--key-prefix", "key-1"])
        let runs = try Archive.open(at: scenario.archive).replayRuns(id: replay)
        #expect(runs.count == 3 && runs.allSatisfy { !$0.isDense }, "\(runs)")
        let committed: [Int32: Int64] = [0: 250, 1: 731, 2: 999]
        try scenario.commitOnSource(group: "filtered", topic: "orders", committed)
        // Kept messages went one after another after the unrelated ones: a group at source
        // offset C goes on at the first kept message at or after C.
        let expected = committed.sorted { $0.key < $1.key }.map { partition, offset in
            let before = scenario.source.produced["orders"]![partition]!.filter { $0.offset < offset && keep.matches($0) }.count
            return TranslationJSON.Position(partition: partition, offset: scenario.unrelated[partition]! + Int64(before))
        }
        #expect(expected.allSatisfy { $0.offset > scenario.unrelated[$0.partition]! }, "each position is inside its run")

        let executed = try scenario.translate(replay, group: "filtered", ["--source-brokers", scenario.source.bootstrap, "--execute", "--json"])
        #expect(executed.succeeded, "\(executed.summary)")
        #expect(try TranslationJSON(executed.stdout).positions == expected, "\(executed.stdoutText)")
        let read = try scenario.readAsGroup("filtered", topic: "orders", partitions: 3)
        for position in expected {
            Self.expectRead(
                read, scenario, topic: "orders", partition: position.partition, from: committed[position.partition]!, replayed: 0..<1000,
                at: position.offset, keep: keep.matches)
        }
    }

    @Test("--source-offsets: below every replayed message, mid-range, past the range, without an offset, and a partition the replay sent nothing from")
    func givenOffsets() throws {
        let scenario = try TranslationScenario(
            sourceTopics: ["orders": 3], count: 3000, targetTopics: ["orders": 3], unrelated: [0: 11, 1: 23, 2: 7], scratch: scratch)
        // Messages 600..<2400 by time: offsets 200...799 of each partition.
        let start = TranslationScenario.start
        let replay = try scenario.replay(["--topic", "orders", "--from", "\(start + 600)", "--to", "\(start + 2400)"])
        let runs = try Archive.open(at: scenario.archive).replayRuns(id: replay)
        #expect(runs.map { [$0.sourceFirst, $0.sourceLast, $0.targetFirst] } == (0..<3).map { [200, 799, scenario.unrelated[Int32($0)]!] }, "\(runs)")

        let plan = try scenario.translate(replay, group: "audit", ["--source-offsets", "0:500,1:100,2:950,7:3"])
        #expect(plan.succeeded, "\(plan.summary)")
        #expect(plan.stdoutText == """
            partition 0: source offset 500 -> target offset \(11 + 300)
            partition 1: source offset 100 -> target offset 23
            partition 2: source offset 950 -> target offset \(7 + 600)
            partition 7: source offset 3; the replay sent nothing from it
            group 'audit': 3 positions to commit on 'orders'; nothing committed (--execute commits)

            """, "\(plan.stdoutText)")
        let partial = try scenario.translate(replay, group: "audit", ["--source-offsets", "0:500", "--json"])
        #expect(partial.succeeded, "\(partial.summary)")
        let rows = try TranslationJSON(partial.stdout).rows
        #expect(rows == [
            .init(sourcePartition: 0, sourceOffset: 500, targetPartition: 0, targetOffset: 311),
            .init(sourcePartition: 1, sourceOffset: nil, targetPartition: 1, targetOffset: nil),
            .init(sourcePartition: 2, sourceOffset: nil, targetPartition: 2, targetOffset: nil),
        ], "\(rows)")

        let executed = try scenario.translate(replay, group: "audit", ["--source-offsets", "0:500,1:100,2:950", "--execute"])
        #expect(executed.succeeded && executed.stdoutText.hasSuffix("committed 3 positions of group 'audit' on 'orders' at \(scenario.target.bootstrapServers)\n"), "\(executed.stdoutText) \(executed.summary)")
        let read = try scenario.readAsGroup("audit", topic: "orders", partitions: 3)
        Self.expectRead(read, scenario, topic: "orders", partition: 0, from: 500, replayed: 200..<800, at: 311)
        Self.expectRead(read, scenario, topic: "orders", partition: 1, from: 100, replayed: 200..<800, at: 23)
        Self.expectRead(read, scenario, topic: "orders", partition: 2, from: 950, replayed: 200..<800, at: 607)
        #expect(read[2]?.count == 1, "past the range: nothing of the replay is left to read, only the marker")
    }

    @Test("round-robin: exact from one source partition, so translated; refused where one offset per target partition cannot say what the group read")
    func spread() throws {
        let scenario = try TranslationScenario(
            sourceTopics: ["single": 1, "orders": 3], count: 900, targetTopics: ["spread": 3], unrelated: [0: 3, 1: 9, 2: 1], scratch: scratch)
        let single = try scenario.replay(["--topic", "single", "--to-topic", "spread", "--partitioning", "round-robin", "--source-headers"])
        let executed = try scenario.translate(single, group: "spread-single", ["--source-offsets", "0:400", "--execute", "--json"])
        #expect(executed.succeeded, "\(executed.summary)")
        let plan = try TranslationJSON(executed.stdout)
        #expect(plan.rows.map(\.targetPartition) == [0, 1, 2] && plan.positions.count == 3, "\(plan.rows)")
        // Offsets 400...899 of the one source partition, each once, wherever it went.
        let read = try scenario.readAsGroup("spread-single", topic: "spread", partitions: 3)
        for position in plan.positions {
            #expect(read[position.partition]?.first?.offset == position.offset, "partition \(position.partition)")
            #expect(read[position.partition]?.last?.key == TranslationScenario.endMarker, "partition \(position.partition)")
        }
        let offsets = read.values.joined().filter { $0.key != TranslationScenario.endMarker }.map { message in
            message.headers.first { $0.name == "sediment.source.offset" }.flatMap { $0.value.flatMap { Int(String(decoding: $0, as: UTF8.self)) } } ?? -1
        }
        #expect(offsets.sorted() == Array(400..<900), "read \(offsets.count) messages")

        let orders = try scenario.replay(["--topic", "orders", "--to-topic", "spread", "--partitioning", "round-robin"])
        let midRange = try scenario.translate(orders, group: "spread-orders", ["--source-offsets", "0:100,1:100,2:100"])
        #expect(midRange.status == ExitStatus.usage, "\(midRange.summary)")
        #expect(midRange.stderr.contains("group 'spread-orders' cannot be translated exactly: replay \(orders) spread its source partitions over the target's with --partitioning round-robin"), "\(midRange.stderr)")
        let missing = try scenario.translate(orders, group: "spread-orders", ["--source-offsets", "0:100"])
        #expect(missing.status == ExitStatus.usage && missing.stderr.contains("which group 'spread-orders' has no committed offset on"), "\(missing.summary)")
        // All of partition 0 read, none of 1 and 2: every message read comes first in each target partition.
        let ends = try scenario.translate(orders, group: "spread-orders", ["--source-offsets", "0:300,1:0,2:0", "--json"])
        #expect(ends.succeeded, "\(ends.summary)")
        #expect(try TranslationJSON(ends.stdout).positions.count == 3)
    }

    @Test("--execute is refused while the group has a member on the target, and commits nothing")
    func activeMember() throws {
        let scenario = try TranslationScenario(
            sourceTopics: ["orders": 3], count: 300, targetTopics: ["orders": 3], unrelated: [0: 1], scratch: scratch)
        let replay = try scenario.replay(["--topic", "orders"])
        let member = try KafkaConsumer(configuration: ["bootstrap.servers": scenario.target.bootstrapServers, "group.id": "live"])
        defer { member.close() }
        var assigned = false
        try member.subscribe(["orders"]) { event in
            if case .assigned = event { assigned = true }
            return nil
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while !assigned && ContinuousClock.now < deadline { _ = try member.poll(maxMessages: 100, timeout: .milliseconds(100)) { _ in } }
        #expect(assigned, "the member never joined")

        let refused = try scenario.translate(replay, group: "live", ["--source-offsets", "0:10,1:10,2:10", "--execute"])
        #expect(refused.status == ExitStatus.remote, "\(refused.summary)")
        #expect(refused.stderr.contains("group 'live' has active members on the cluster at \(scenario.target.bootstrapServers)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was committed") && refused.stdoutText.isEmpty, "\(refused.summary)")
        let partitions = (0..<Int32(3)).map { TopicPartition(topic: "orders", partition: $0) }
        #expect(try member.committed(partitions, timeout: .seconds(30)).isEmpty)
        // The plan alone is still there to read.
        #expect(try scenario.translate(replay, group: "live", ["--source-offsets", "0:10"]).succeeded)
    }

    @Test("a replay the archive does not hold or that has not finished, and command lines without the group's offsets or with both sources, are refused clearly")
    func refusedCommands() throws {
        let fixture = CompactionFixture(label: "translate-refused")
        try fixture.append([Message(offset: 0, timestamp: 1, value: Array("x".utf8))])
        let base = ["offsets", "translate", "--archive", fixture.path, "--group", "g"]
        let unknown = try CLIProcess.run(base + ["--replay", "r-00000000", "--source-offsets", "0:1"], scratch: scratch)
        #expect(unknown.status == ExitStatus.data, "\(unknown.summary)")
        #expect(unknown.stderr == "sediment: error: the archive has no replay 'r-00000000' (`sediment replay --list` shows them)\n", "\(unknown.stderr)")
        // A replay cut short: what a resume sends would land after any translated position.
        try Archive.openForUpdate(at: fixture.path).index.createReplay(ReplayRecord(
            id: "r-unfinished", instance: "local", topic: "orders", from: 0, to: 10, targetTopic: "orders", brokers: "127.0.0.1:1",
            partitioning: .same, sourceHeaders: false, transactional: false, targetPartitions: 1, messages: 1, acknowledged: 0, state: .failed,
            error: "killed", createdAt: 0, updatedAt: 0), targets: [0: 0])
        let unfinished = try CLIProcess.run(base + ["--replay", "r-unfinished", "--source-offsets", "0:1"], scratch: scratch)
        #expect(unfinished.status == ExitStatus.data, "\(unfinished.summary)")
        #expect(unfinished.stderr.contains("replay r-unfinished has not finished (failed, 0 messages acknowledged)"), "\(unfinished.stderr)")
        let neither = try CLIProcess.run(base + ["--replay", "r-00000000"], scratch: scratch)
        #expect(neither.status == ExitStatus.usage && neither.stderr.contains("--source-brokers B or --source-offsets P:O,..."), "\(neither.summary)")
        let both = try CLIProcess.run(base + ["--replay", "r-00000000", "--source-offsets", "0:1", "--source-brokers", "127.0.0.1:1"], scratch: scratch)
        #expect(both.status == ExitStatus.usage && both.stderr.contains("not both"), "\(both.summary)")
        let malformed = try CLIProcess.run(base + ["--replay", "r-00000000", "--source-offsets", "0:1,x"], scratch: scratch)
        #expect(malformed.status == ExitStatus.usage && malformed.stderr.contains("cannot read --source-offsets '0:1,x' at 'x'"), "\(malformed.summary)")
    }
}
