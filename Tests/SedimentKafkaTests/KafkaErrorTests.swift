import SedimentKafka
import Testing

@Suite("Errors: configuration, unreachable brokers")
struct KafkaErrorTests {
    @Test("an unknown configuration key or a bad value throws an error naming the key")
    func badConfiguration() throws {
        let unknown = try #require(throws: KafkaError.self) {
            try KafkaConsumer(configuration: ["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"])
        }
        #expect(unknown.message.contains("'no.such.property'"))
        #expect(unknown.name == "_INVALID_ARG")
        let badValue = try #require(throws: KafkaError.self) {
            try KafkaProducer(configuration: ["bootstrap.servers": "127.0.0.1:1", "linger.ms": "soon"])
        }
        #expect(badValue.message.contains("'linger.ms'"))
    }

    @Test("an unreachable broker reaches onError as _TRANSPORT or _ALL_BROKERS_DOWN, no crash")
    func unreachableBroker() throws {
        let consumer = try KafkaConsumer(configuration: [
            "bootstrap.servers": "127.0.0.1:1",
            "reconnect.backoff.ms": "50",
        ])
        let errors = Collected<KafkaError>()
        consumer.onError = { errors.append($0) }
        try consumer.assign([(TopicPartition(topic: "events", partition: 0), offset: KafkaConsumer.beginning)])
        let deadline = ContinuousClock.now + .seconds(10)
        while errors.all.isEmpty && ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100)) { _ in
                Issue.record("nothing can be consumed from an unreachable broker")
            }
        }
        let first = try #require(errors.all.first)
        #expect(["_TRANSPORT", "_ALL_BROKERS_DOWN"].contains(first.name))
        #expect(first.isRetriable)
        #expect(!first.isFatal)
        #expect(first.message.contains("127.0.0.1:1"))

        // A metadata call fails within its timeout with a retriable, non-fatal error.
        let start = ContinuousClock.now
        let error = try #require(throws: KafkaError.self) {
            try consumer.partitions(of: "events", timeout: .milliseconds(500))
        }
        // A bound on a hang, not a speed: far above the 500 ms asked, for a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(!error.isFatal)
        #expect(error.isRetriable)
        consumer.close()
    }

    @Test("description names the code and the partition")
    func description() {
        let error = KafkaError(code: 3, name: "UNKNOWN_TOPIC_OR_PART", message: "Broker: Unknown topic or partition", topic: "t", partition: 2)
        #expect(error.description == "Broker: Unknown topic or partition (UNKNOWN_TOPIC_OR_PART) [t/2]")
    }
}
