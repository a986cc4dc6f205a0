import SedimentKafka
import Testing

@Suite("Timestamps and lookups by time on the mock cluster")
struct KafkaTimestampTests {
    @Test("explicit timestamps come back as CreateTime; none means now")
    func createTime() throws {
        let kafka = try MockKafka(partitions: 1)
        let producer = try kafka.producer()
        try producer.produce(topic: kafka.topic, partition: 0, key: nil, value: [1], timestamp: 1_000)
        try producer.produce(topic: kafka.topic, partition: 0, key: nil, value: [2], timestamp: 4_102_444_800_000)
        try producer.produce(topic: kafka.topic, partition: 0, key: nil, value: [3])
        try producer.flush(timeout: .seconds(10))
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        let received = try consume(consumer, count: 3)
        #expect(received.map(\.timestampType) == [.createTime, .createTime, .createTime])
        #expect(received.prefix(2).map(\.timestamp) == [1_000, 4_102_444_800_000])
        // "Now": after 2023-11-14 and before 2100.
        #expect((1_700_000_000_000..<4_102_444_800_000).contains(received[2].timestamp))
    }

    /// The mock cannot produce LogAppendTime: its topics have no configuration, and it
    /// stores message sets as producers sent them, so they keep the producer's CreateTime.
    @Test("the mock keeps CreateTime: it has no LogAppendTime topics")
    func noLogAppendTime() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(5, partition: 0)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        let received = try consume(consumer, count: 5)
        #expect(received.count == 5)
        #expect(received.allSatisfy { $0.timestampType == .createTime })
    }

    /// librdkafka 2.0.2's mock answers ListOffsets by timestamp with -1 ("FIXME: by
    /// timestamp" in its handler), whatever the partition holds. This pins that down, so
    /// that a librdkafka that implements it makes this test fail and the lookup testable.
    @Test("offsetsForTimes on the mock answers -1, i.e. no such message")
    func offsetsForTimes() throws {
        let kafka = try MockKafka(partitions: 2)
        let producer = try kafka.producer()
        for (index, timestamp) in [1_000, 2_000, 3_000].enumerated() {
            try producer.produce(topic: kafka.topic, partition: 0, key: nil, value: [UInt8(index)], timestamp: Int64(timestamp))
        }
        try producer.flush(timeout: .seconds(10))
        let consumer = try kafka.consumer()
        let answer = try consumer.offsetsForTimes([kafka.partition(0): 1_500, kafka.partition(1): 0], timeout: .seconds(10))
        #expect(answer == [kafka.partition(0): -1, kafka.partition(1): -1])
        #expect(try consumer.offsetsForTimes([:], timeout: .seconds(1)).isEmpty)
    }
}
