import SedimentKafka
import SedimentKafkaTestSupport
import Testing

@Suite("KafkaProducer")
struct KafkaProducerTests {
    @Test("a failed delivery surfaces in flush, with its code and how many failed")
    func deliveryFailure() throws {
        let kafka = try MockKafka(partitions: 1)
        let producer = try kafka.producer(["retries": "0"])
        // Produce is API key 0; MSG_SIZE_TOO_LARGE (10) is not retriable.
        kafka.cluster.pushRequestErrors(apiKey: 0, errors: [10])
        try producer.produce(topic: kafka.topic, partition: 0, key: nil, value: [1])
        let error = try #require(throws: KafkaError.self) { try producer.flush(timeout: .seconds(10)) }
        #expect(error.name == "MSG_SIZE_TOO_LARGE")
        #expect(error.message.hasPrefix("1 messages not delivered"))
        #expect(error.topic == kafka.topic)
        #expect(error.partition == 0)

        // The count starts again: the next message goes through.
        try producer.produce(topic: kafka.topic, partition: 0, key: nil, value: [2])
        try producer.flush(timeout: .seconds(10))
        let consumer = try kafka.consumer()
        #expect(try consumer.watermarks(kafka.partition(0), timeout: .seconds(10)).high == 1)
    }

    @Test("producing to a partition that does not exist fails")
    func unknownPartition() throws {
        let kafka = try MockKafka(partitions: 1)
        let producer = try kafka.producer(["message.timeout.ms": "2000"])
        // The partition is checked once metadata is known: right away, or at delivery.
        var failed = false
        do {
            try producer.produce(topic: kafka.topic, partition: 5, key: nil, value: [1])
            try producer.flush(timeout: .seconds(10))
        } catch let error as KafkaError {
            failed = true
            #expect(["_UNKNOWN_PARTITION", "UNKNOWN_TOPIC_OR_PART", "_MSG_TIMED_OUT"].contains(error.name))
        }
        #expect(failed)
    }
}
