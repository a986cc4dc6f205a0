import SedimentKafka
import SedimentTestSupport
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

    /// The mock's topics have no configuration, so its producers' batches keep CreateTime.
    @Test("the mock keeps a producer's CreateTime: it has no LogAppendTime topics")
    func producedKeepsCreateTime() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(5, partition: 0)
        let consumer = try kafka.consumer()
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        let received = try consume(consumer, count: 5)
        #expect(received.count == 5)
        #expect(received.allSatisfy { $0.timestampType == .createTime })
    }

    /// A batch written on the wire with the LogAppendTime attribute is stored as sent, and
    /// read back the way a broker-stamped batch is: every record with the batch's time.
    /// `check.crcs` makes librdkafka verify the batch's CRC-32C.
    @Test("a LogAppendTime batch written raw to the mock reads back as LogAppendTime, byte for byte")
    func rawLogAppendTime() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(2, partition: 0)
        let records = [
            RawProduce.Record(key: nil, value: [0, 255, 1]),
            RawProduce.Record(key: [], value: nil, headers: [("h", [9]), ("empty", nil)]),
            RawProduce.Record(key: Array("k".utf8), value: []),
        ]
        try RawProduce.send(
            records, topic: kafka.topic, partition: 0, timestamp: 1_764_000_123_456, logAppendTime: true,
            broker: kafka.cluster.bootstrapServers)
        try kafka.produce(1, partition: 0, from: 2)
        let consumer = try kafka.consumer(["check.crcs": "true"])
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        let received = try consume(consumer, count: 6)
        #expect(received.map(\.offset) == Array(0..<6))
        #expect(received.map(\.timestampType) == [.createTime, .createTime, .logAppendTime, .logAppendTime, .logAppendTime, .createTime])
        let stamped = Array(received[2..<5])
        #expect(stamped.allSatisfy { $0.timestamp == 1_764_000_123_456 })
        #expect(stamped.map(\.key) == records.map(\.key))
        #expect(stamped.map(\.value) == records.map(\.value))
        #expect(stamped[1].headers == [Record.Header(name: "h", value: [9]), Record.Header(name: "empty", value: nil)])
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
