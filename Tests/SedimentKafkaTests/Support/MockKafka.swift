import SedimentKafka
import Synchronization
import Testing

/// A mock cluster with one topic, and the clients the tests use against it.
struct MockKafka {
    let cluster: MockCluster
    let topic: String

    init(partitions: Int32 = 3, brokers: Int = 1, topic: String = "events") throws {
        cluster = try MockCluster(brokers: brokers)
        self.topic = topic
        try cluster.createTopic(topic, partitions: partitions)
    }

    func producer(_ extra: [String: String] = [:]) throws -> KafkaProducer {
        try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers].merging(extra) { $1 })
    }

    func consumer(_ extra: [String: String] = [:]) throws -> KafkaConsumer {
        try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers].merging(extra) { $1 })
    }

    /// Group settings that keep the mock's rebalances short: after a member leaves it
    /// waits session timeout minus 1 s for the others to rejoin. The session must outlast
    /// the mock's 3 s first-join delay, or the member expires before the group forms.
    static func groupConfiguration(_ group: String) -> [String: String] {
        ["group.id": group, "session.timeout.ms": "4000", "heartbeat.interval.ms": "250"]
    }

    /// Produces `count` small messages `value-N` to one partition and waits for them.
    func produce(_ count: Int, partition: Int32, from first: Int = 0) throws {
        let producer = try producer()
        for index in first..<(first + count) {
            try producer.produce(topic: topic, partition: partition, key: nil, value: Array("value-\(index)".utf8))
        }
        try producer.flush(timeout: .seconds(10))
    }

    func partition(_ id: Int32) -> TopicPartition { TopicPartition(topic: topic, partition: id) }
}

/// A consumed message copied out of its view, comparable with what was produced.
struct Record: Equatable, CustomStringConvertible {
    struct Header: Equatable {
        var name: String
        var value: [UInt8]?
    }

    var topic: String
    var partition: Int32
    var offset: Int64
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [Header]
    var timestamp: Int64
    var timestampType: KafkaTimestampType

    init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [Header],
        timestamp: Int64, timestampType: KafkaTimestampType
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
        self.timestampType = timestampType
    }

    init(_ message: KafkaMessageView) {
        self.init(
            topic: message.topic, partition: message.partition, offset: message.offset,
            key: message.key.map { Array($0) }, value: message.value.map { Array($0) },
            headers: message.headers().map { Header(name: $0.name, value: $0.value.map { Array($0) }) },
            timestamp: message.timestamp, timestampType: message.timestampType)
    }

    var description: String { "\(topic)/\(partition)@\(offset)" }
}

/// Polls until `count` messages arrived or `limit` passed; returns them in arrival order.
func consume(_ consumer: KafkaConsumer, count: Int, within limit: Duration = .seconds(30)) throws -> [Record] {
    var records: [Record] = []
    let deadline = ContinuousClock.now + limit
    while records.count < count && ContinuousClock.now < deadline {
        _ = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) { records.append(Record($0)) }
    }
    return records
}

/// Polls for `duration` whatever arrives.
func drain(_ consumer: KafkaConsumer, for duration: Duration) throws -> [Record] {
    var records: [Record] = []
    let deadline = ContinuousClock.now + duration
    while ContinuousClock.now < deadline {
        _ = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(50)) { records.append(Record($0)) }
    }
    return records
}

/// Values collected from callbacks that run on librdkafka's threads.
final class Collected<Element: Sendable>: Sendable {
    private let elements = Mutex<[Element]>([])

    func append(_ element: Element) { elements.withLock { $0.append(element) } }

    var all: [Element] { elements.withLock { $0 } }
}
