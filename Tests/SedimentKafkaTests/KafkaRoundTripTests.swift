import SedimentKafka
import Testing

@Suite("Producing and consuming every message field")
struct KafkaRoundTripTests {
    /// Keys, values and headers in every shape: null, empty, binary (NUL and 0xFF bytes
    /// included), of varying lengths.
    static func message(_ index: Int) -> Record {
        let partition = Int32(index % 3)
        let binary: [UInt8] = [0x00, 0xFF, 0xFE, 0x01] + Array(String(index).utf8)
        let key: [UInt8]? = switch index % 5 {
            case 0: nil
            case 1: []
            default: binary
        }
        let value: [UInt8]? = switch index % 7 {
            case 0: nil
            case 1: []
            default: binary + [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: index % 300)
        }
        let headers: [Record.Header] = switch index % 3 {
            case 0: []
            case 1: [.init(name: "trace", value: binary), .init(name: "null", value: nil)]
            default: [.init(name: "empty", value: []), .init(name: "dup", value: [1]), .init(name: "dup", value: [2])]
        }
        return Record(
            topic: "events", partition: partition, offset: Int64(index / 3), key: key, value: value,
            headers: headers, timestamp: 1_700_000_000_000 + Int64(index), timestampType: .createTime)
    }

    @Test("30,000 messages over 3 partitions come back field for field, offsets contiguous")
    func roundTrip() throws {
        let kafka = try MockKafka(partitions: 3)
        let count = 30_000
        let expected = (0..<count).map(Self.message)
        let producer = try kafka.producer()
        for record in expected {
            try producer.produce(
                topic: record.topic, partition: record.partition, key: record.key, value: record.value,
                headers: record.headers.map { ($0.name, $0.value) }, timestamp: record.timestamp)
        }
        try producer.flush(timeout: .seconds(30))

        let consumer = try kafka.consumer()
        try consumer.assign((0..<3).map { (kafka.partition($0), offset: KafkaConsumer.beginning) })
        let received = try consume(consumer, count: count)
        #expect(received.count == count)

        let byPartition = Dictionary(grouping: received, by: \.partition)
        for partition in Int32(0)..<3 {
            let records = try #require(byPartition[partition])
            // Contiguous from 0, in order.
            #expect(records.map(\.offset) == Array(0..<Int64(records.count)))
        }
        let sorted = received.sorted { ($0.offset, $0.partition) < ($1.offset, $1.partition) }
        #expect(sorted.count == expected.count)
        for (got, want) in zip(sorted, expected) where got != want {
            Issue.record("\(got) differs from what was produced: \(got) vs \(want)")
            break
        }
    }

    @Test("the partitioner chooses a partition when none is given, by key")
    func partitionerChooses() throws {
        let kafka = try MockKafka(partitions: 3)
        let producer = try kafka.producer()
        for index in 0..<30 {
            try producer.produce(topic: kafka.topic, key: Array("key-\(index % 2)".utf8), value: [UInt8(index)])
        }
        try producer.flush(timeout: .seconds(10))
        let consumer = try kafka.consumer()
        try consumer.assign((0..<3).map { (kafka.partition($0), offset: KafkaConsumer.beginning) })
        let received = try consume(consumer, count: 30)
        #expect(received.count == 30)
        // Same key, same partition.
        let partitionsByKey = Dictionary(grouping: received, by: { $0.key! }).mapValues { Set($0.map(\.partition)) }
        #expect(partitionsByKey.count == 2)
        #expect(partitionsByKey.values.allSatisfy { $0.count == 1 })
    }
}
