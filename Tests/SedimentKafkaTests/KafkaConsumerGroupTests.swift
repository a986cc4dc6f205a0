import SedimentKafka
import SedimentKafkaTestSupport
import Testing

@Suite("KafkaConsumer in a consumer group")
struct KafkaConsumerGroupTests {
    /// What one member saw: its rebalance events and its current assignment.
    final class Member {
        let consumer: KafkaConsumer
        var events: [RebalanceEvent] = []
        var assignment: Set<TopicPartition> = []
        var received: [Record] = []

        init(_ consumer: KafkaConsumer) { self.consumer = consumer }

        func subscribe(_ topic: String, offsets: @escaping ([TopicPartition]) -> [TopicPartition: Int64]? = { _ in nil }) throws {
            try consumer.subscribe([topic]) { [unowned self] event in
                events.append(event)
                switch event {
                case .assigned(let partitions):
                    assignment = Set(partitions)
                    return offsets(partitions)
                case .revoked:
                    assignment = []
                    return nil
                }
            }
        }

        func poll() throws {
            _ = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(50)) { received.append(Record($0)) }
        }
    }

    /// Polls the members until `done` holds or `limit` passes.
    func poll(_ members: [Member], within limit: Duration, until done: () -> Bool) throws {
        let deadline = ContinuousClock.now + limit
        while !done() && ContinuousClock.now < deadline {
            for member in members { try member.poll() }
        }
    }

    @Test("a new member resumes from the committed offset; the rebalance closure's offsets win")
    func resumeFromCommitted() throws {
        let kafka = try MockKafka(partitions: 2)
        try kafka.produce(100, partition: 0)
        try kafka.produce(100, partition: 1)
        let group = "resume-\(UInt32.random(in: 0...UInt32.max))"

        // An assign-mode member of the group commits positions, as `sediment dump` does.
        let first = try kafka.consumer(MockKafka.groupConfiguration(group))
        #expect(first.groupID == group)
        try first.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        #expect(try consume(first, count: 30).count >= 30)
        let both = [kafka.partition(0), kafka.partition(1)]
        #expect(try first.committed(both, timeout: .seconds(10)).isEmpty)
        try first.commit([kafka.partition(0): 40, kafka.partition(1): 60])
        #expect(try first.committed(both, timeout: .seconds(10)) == [kafka.partition(0): 40, kafka.partition(1): 60])
        first.close()

        let member = Member(try kafka.consumer(MockKafka.groupConfiguration(group)))
        // Partition 0: nothing from the closure, so the group's committed offset.
        // Partition 1: the closure says 7, which overrides the committed 60.
        try member.subscribe(kafka.topic) { partitions in
            #expect(Set(partitions) == [kafka.partition(0), kafka.partition(1)])
            return [kafka.partition(1): 7]
        }
        try poll([member], within: .seconds(20)) {
            Set(member.received.map(\.partition)) == [0, 1]
        }
        let firstOffsets = Dictionary(grouping: member.received, by: \.partition).mapValues { $0.first!.offset }
        #expect(firstOffsets[0] == 40)
        #expect(firstOffsets[1] == 7)
        member.consumer.close()
    }

    @Test("two members split the partitions; when one leaves the other gets them all")
    func rebalance() throws {
        let kafka = try MockKafka(partitions: 4)
        let group = "split-\(UInt32.random(in: 0...UInt32.max))"
        let all = Set((0..<4).map { kafka.partition($0) })
        let a = Member(try kafka.consumer(MockKafka.groupConfiguration(group)))
        let b = Member(try kafka.consumer(MockKafka.groupConfiguration(group)))
        try a.subscribe(kafka.topic)
        try b.subscribe(kafka.topic)

        try poll([a, b], within: .seconds(20)) {
            !a.assignment.isEmpty && !b.assignment.isEmpty && a.assignment.union(b.assignment) == all
        }
        #expect(!a.assignment.isEmpty)
        #expect(!b.assignment.isEmpty)
        #expect(a.assignment.isDisjoint(with: b.assignment))
        #expect(a.assignment.union(b.assignment) == all)

        let seenBefore = a.events.count
        let heldByB = b.assignment
        b.consumer.close()  // Leaves the group, revoking its share on this thread.
        if case .revoked(let partitions)? = b.events.last {
            #expect(Set(partitions) == heldByB)
        } else {
            Issue.record("closing should revoke, not \(String(describing: b.events.last))")
        }
        try poll([a], within: .seconds(20)) { a.assignment == all }
        #expect(a.assignment == all)
        let after = Array(a.events.dropFirst(seenBefore))
        #expect(after.contains { if case .revoked = $0 { true } else { false } })
        if case .assigned(let partitions)? = after.last {
            #expect(Set(partitions) == all)
        } else {
            Issue.record("the last event should assign every partition, not \(String(describing: after.last))")
        }
        a.consumer.close()
    }

    @Test("a revoked member can commit inside the callback")
    func commitOnRevoke() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(10, partition: 0)
        let group = "revoke-\(UInt32.random(in: 0...UInt32.max))"
        var configuration = MockKafka.groupConfiguration(group)
        configuration["auto.offset.reset"] = "earliest"  // Nothing committed yet.
        let consumer = try kafka.consumer(configuration)
        var commitError: Error?
        var received: [Record] = []
        var revoked = false
        try consumer.subscribe([kafka.topic]) { event in
            guard case .revoked = event, let last = received.last else { return nil }
            revoked = true
            do { try consumer.commit([kafka.partition(0): last.offset + 1]) } catch { commitError = error }
            return nil
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while received.count < 10 && ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 100, timeout: .milliseconds(50)) { received.append(Record($0)) }
        }
        #expect(received.count == 10)
        consumer.close()  // Revokes, on this thread.
        #expect(revoked)
        #expect(commitError == nil)

        let check = try kafka.consumer(MockKafka.groupConfiguration(group))
        try check.assign([(kafka.partition(0), offset: KafkaConsumer.committed)])
        try kafka.produce(1, partition: 0, from: 10)
        let next = try consume(check, count: 1)
        #expect(next.map(\.offset) == [10])
    }
}

@Suite("KafkaConsumer when the cluster goes away")
struct KafkaConsumerShutdownTests {
    /// A synchronous `rd_kafka_commit` here never returns, nor does `rd_kafka_consumer_close`
    /// once a commit is pending.
    @Test("commit and close return within bounds when the coordinator is down", .timeLimit(.minutes(1)))
    func boundedWithoutCoordinator() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(3, partition: 0)
        let group = "gone-\(UInt32.random(in: 0...UInt32.max))"
        let consumer = try kafka.consumer(MockKafka.groupConfiguration(group).merging(["reconnect.backoff.max.ms": "200"]) { $1 })
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        #expect(try consume(consumer, count: 3).count == 3)
        try consumer.commit([kafka.partition(0): 3])

        try kafka.cluster.setBrokerDown(1)
        let start = ContinuousClock.now
        let error = try #require(throws: KafkaError.self) {
            try consumer.commit([kafka.partition(0): 3], timeout: .seconds(1))
        }
        // Bounds on a hang, not speeds: a consumer was seen taking 24 s to close under the
        // whole suite's load on two cores.
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(!error.isFatal)
        // librdkafka 2.0.2 would wait for that commit forever (its issue #3740).
        let closing = ContinuousClock.now
        consumer.close(timeout: .seconds(2))
        #expect(ContinuousClock.now - closing < .seconds(90))
        #expect(throws: KafkaError.self) { try consumer.poll(maxMessages: 1, timeout: .zero) { _ in } }
    }
}
