import Foundation
import SedimentKafka
import Testing
@testable import Sediment

/// librdkafka's mock cluster, in this test process, with topics and a producer: the
/// `sediment dump` processes a test starts consume from it over loopback.
final class KafkaFixture {
    let cluster: MockCluster
    let producer: KafkaProducer
    /// What was produced, per topic and partition, with the offsets the cluster gave.
    private(set) var produced: [String: [Int32: [Message]]] = [:]
    private var factory = MessageFactory(seed: 0xCAFE)

    init(topics: [String: Int32], brokers: Int = 1) throws {
        cluster = try MockCluster(brokers: brokers)
        for (topic, partitions) in topics { try cluster.createTopic(topic, partitions: partitions) }
        producer = try KafkaProducer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers,
            // One request in flight keeps each partition's offsets in production order.
            "max.in.flight.requests.per.connection": "1",
            "linger.ms": "5",
        ])
    }

    var bootstrap: String { cluster.bootstrapServers }

    /// Produces `count` messages round-robin over the partitions, `spacing` milliseconds
    /// apart; values stay small because the mock keeps only about 5 MB per partition.
    /// `value` gives the value of the message of each index instead of random bytes.
    func produce(
        topic: String, partitions: Int32, count: Int, startTimestamp: Int64 = 1_764_000_000_000, spacing: Int64 = 1,
        value: ((Int) -> [UInt8])? = nil
    ) throws {
        for index in 0..<count {
            let partition = Int32(index % Int(partitions))
            let offset = Int64(produced[topic]?[partition]?.count ?? 0)
            var message = factory.message(partition: partition, offset: offset, timestamp: startTimestamp + Int64(index) * spacing)
            message.timestampType = .createTime
            if let value = message.value, value.count > 60 { message.value = Array(value.prefix(60)) }
            if let value { message.value = value(index) }
            try producer.produce(
                topic: topic, partition: partition, key: message.key, value: message.value,
                headers: message.headers.map { ($0.name, $0.value) }, timestamp: message.timestamp)
            produced[topic, default: [:]][partition, default: []].append(message)
        }
        try producer.flush(timeout: .seconds(30))
    }

    func count(topic: String) -> Int {
        produced[topic]?.values.reduce(0) { $0 + $1.count } ?? 0
    }

    /// The archive holds exactly what was produced: every partition contiguous from
    /// `from[partition]` (default 0) to its end, byte for byte, nothing else.
    func expectArchive(_ path: String, topic: String, from: [Int32: Int64] = [:], instance: String = "local", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let archive = try Archive.open(at: path)
        for (partition, messages) in produced[topic] ?? [:] {
            let first = from[partition] ?? 0
            let key = PartitionKey(instance: instance, topic: topic, partition: partition)
            let stored = try archive.messages(of: key, offsets: 0...Int64.max).all()
            expectSame(stored, Array(messages.dropFirst(Int(first))), sourceLocation: sourceLocation)
        }
    }
}
