@testable import SedimentKafka
import Testing

@Suite("KafkaConsumer: metadata and explicit positions")
struct KafkaConsumerTests {
    @Test("watermarks match what was produced; partitions(of:) lists them")
    func watermarksAndPartitions() throws {
        let kafka = try MockKafka(partitions: 3)
        try kafka.produce(10, partition: 0)
        try kafka.produce(25, partition: 2)
        let consumer = try kafka.consumer()
        #expect(try consumer.partitions(of: kafka.topic, timeout: .seconds(10)) == [0, 1, 2])
        #expect(try consumer.watermarks(kafka.partition(0), timeout: .seconds(10)) == (0, 10))
        #expect(try consumer.watermarks(kafka.partition(1), timeout: .seconds(10)) == (0, 0))
        #expect(try consumer.watermarks(kafka.partition(2), timeout: .seconds(10)) == (0, 25))
    }

    @Test("the consumer queue holds 16 MiB unless the caller says otherwise (dump's memory, see KafkaConsumer.defaults)")
    func queueDefault() throws {
        let kafka = try MockKafka()
        #expect(try kafka.consumer().setting("queued.max.messages.kbytes") == "16384")
        #expect(try kafka.consumer(["queued.max.messages.kbytes": "65536"]).setting("queued.max.messages.kbytes") == "65536")
    }

    @Test("a missing topic throws an error naming it")
    func missingTopic() throws {
        let kafka = try MockKafka()
        let consumer = try kafka.consumer()
        let error = try #require(throws: KafkaError.self) {
            try consumer.partitions(of: "missing", timeout: .seconds(10))
        }
        #expect(error.name == "UNKNOWN_TOPIC_OR_PART")
        #expect(error.message.contains("'missing'"))
        #expect(error.topic == "missing")
        #expect(!error.isFatal)
    }

    @Test("assign at offset N starts exactly at N")
    func assignAtOffset() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(100, partition: 0)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: 42)])
        let received = try consume(consumer, count: 58)
        #expect(received.map(\.offset) == Array(42..<100))
        #expect(received.first?.value == Array("value-42".utf8))
        #expect(try drain(consumer, for: .milliseconds(300)).isEmpty)
    }

    @Test("assign at end gets only what is produced afterwards")
    func assignAtEnd() throws {
        let kafka = try MockKafka(partitions: 2)
        try kafka.produce(50, partition: 0)
        try kafka.produce(5, partition: 1)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.end), (kafka.partition(1), offset: KafkaConsumer.end)])
        // Lets the consumer resolve "end" before anything new arrives.
        #expect(try drain(consumer, for: .seconds(1)).isEmpty)
        try kafka.produce(10, partition: 0, from: 50)
        try kafka.produce(3, partition: 1, from: 5)
        let received = try consume(consumer, count: 13)
        #expect(received.filter { $0.partition == 0 }.map(\.offset) == Array(50..<60))
        #expect(received.filter { $0.partition == 1 }.map(\.offset) == Array(5..<8))
        #expect(try drain(consumer, for: .milliseconds(300)).isEmpty)
    }

    @Test("a new assignment replaces the previous one")
    func reassign() throws {
        let kafka = try MockKafka(partitions: 2)
        try kafka.produce(5, partition: 0)
        try kafka.produce(5, partition: 1)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        #expect(try consume(consumer, count: 5).allSatisfy { $0.partition == 0 })
        try consumer.assign([(kafka.partition(1), offset: 3)])
        let received = try consume(consumer, count: 2)
        #expect(received.map(\.partition) == [1, 1])
        #expect(received.map(\.offset) == [3, 4])
    }

    @Test("poll returns 0 when nothing comes, within its timeout")
    func emptyPoll() throws {
        let kafka = try MockKafka(partitions: 1)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        let start = ContinuousClock.now
        let count = try consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) { _ in
            Issue.record("no message was produced")
        }
        #expect(count == 0)
        // A bound on a hang, not a speed.
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test("maxMessages bounds one poll")
    func maxMessages() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(100, partition: 0)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        var seen = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while seen < 100 && ContinuousClock.now < deadline {
            let count = try consumer.poll(maxMessages: 7, timeout: .milliseconds(100)) { _ in seen += 1 }
            #expect(count <= 7)
        }
        #expect(seen == 100)
    }

    @Test("until stops a poll before the next message once it says full; the next poll goes on from there")
    func untilFull() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(100, partition: 0)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        var offsets: [Int64] = []
        var held = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while offsets.count < 100 && ContinuousClock.now < deadline {
            // As dump does: a batch of 7 is full, flushed between polls.
            let count = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100), until: { held >= 7 }) { message in
                held += 1
                offsets.append(message.offset)
            }
            #expect(count <= 7)
            held = 0
        }
        #expect(offsets == Array(0..<100))
    }

    @Test("an error thrown by the body stops the poll; the next poll goes on after that message")
    func bodyThrows() throws {
        struct Stop: Error {}
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(20, partition: 0)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        var calls = 0
        let deadline = ContinuousClock.now + .seconds(10)
        var thrown = false
        while !thrown && ContinuousClock.now < deadline {
            do {
                _ = try consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) { _ in
                    calls += 1
                    throw Stop()
                }
            } catch is Stop {
                thrown = true
            }
        }
        #expect(thrown)
        #expect(calls == 1)
        // The message that failed counts as consumed; the rest are still there.
        #expect(try consume(consumer, count: 19).map(\.offset) == Array(1..<20))
    }

    @Test("close is idempotent; a closed consumer refuses work")
    func closeTwice() throws {
        let kafka = try MockKafka(partitions: 1)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        consumer.close()
        consumer.close()
        let error = try #require(throws: KafkaError.self) {
            try consumer.poll(maxMessages: 1, timeout: .milliseconds(10)) { _ in }
        }
        #expect(error.name == "_STATE")
    }

    @Test("without group.id there is nothing to commit to")
    func commitWithoutGroup() throws {
        let kafka = try MockKafka(partitions: 1)
        let consumer = try kafka.consumer()
        #expect(consumer.groupID == nil)
        let error = try #require(throws: KafkaError.self) {
            try consumer.commit([kafka.partition(0): 1])
        }
        #expect(error.message.contains("group.id"))
        #expect(throws: KafkaError.self) { try consumer.subscribe([kafka.topic]) { _ in nil } }
        #expect(throws: KafkaError.self) { try consumer.committed([kafka.partition(0)], timeout: .seconds(1)) }
    }
}
