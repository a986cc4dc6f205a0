#if canImport(Glibc)
import Glibc
#endif
import SedimentKafka
import SedimentKafkaTestSupport
import Testing

@Suite("MockCluster")
struct MockClusterTests {
    /// A port that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try #require(bind(fd, $0, length) == 0)
                try #require(getsockname(fd, $0, &length) == 0)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("bootstrap servers list every broker on loopback")
    func brokers() throws {
        let cluster = try MockCluster(brokers: 3)
        #expect(cluster.brokerCount == 3)
        #expect(cluster.bootstrapServers.split(separator: ",").count == 3)
        #expect(cluster.bootstrapServers.split(separator: ",").allSatisfy { $0.hasPrefix("127.0.0.1:") })
    }

    @Test("a fixed port bootstraps clients, who then reach the brokers directly")
    func fixedPort() throws {
        let port = try Self.freePort()
        let cluster = try MockCluster(brokers: 2, port: port)
        #expect(cluster.bootstrapServers == "127.0.0.1:\(port)")
        try cluster.createTopic("fixed", partitions: 2)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        try producer.produce(topic: "fixed", partition: 1, key: nil, value: Array("through the forwarder".utf8))
        try producer.flush(timeout: .seconds(10))
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        #expect(try consumer.partitions(of: "fixed", timeout: .seconds(10)) == [0, 1])
        try consumer.assign([(TopicPartition(topic: "fixed", partition: 1), offset: KafkaConsumer.beginning)])
        #expect(try consume(consumer, count: 1).map(\.value) == [Array("through the forwarder".utf8)])

        let error = try #require(throws: KafkaError.self) { try MockCluster(port: port) }
        #expect(error.message.contains("\(port)"))
    }

    @Test("creating a topic twice fails")
    func duplicateTopic() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("once", partitions: 1)
        let error = try #require(throws: KafkaError.self) { try cluster.createTopic("once", partitions: 1) }
        #expect(error.topic == "once")
    }

    @Test("a broker set down is reported to clients; set up, it serves again")
    func brokerDownAndUp() throws {
        let kafka = try MockKafka(partitions: 1)
        try kafka.produce(3, partition: 0)
        let consumer = try kafka.consumer(["reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "200"])
        let errors = Collected<KafkaError>()
        consumer.onError = { errors.append($0) }
        try consumer.assign([(kafka.partition(0), offset: KafkaConsumer.beginning)])
        #expect(try consume(consumer, count: 3).count == 3)

        try kafka.cluster.setBrokerDown(1)
        let deadline = ContinuousClock.now + .seconds(10)
        while errors.all.isEmpty && ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100)) { _ in }
        }
        #expect(errors.all.contains { ["_TRANSPORT", "_ALL_BROKERS_DOWN"].contains($0.name) })

        try kafka.cluster.setBrokerUp(1)
        try kafka.produce(2, partition: 0, from: 3)
        #expect(try consume(consumer, count: 2).map(\.offset) == [3, 4])
        #expect(throws: KafkaError.self) { try kafka.cluster.setBrokerDown(99) }
    }

    @Test("round-trip time delays responses")
    func roundTripTime() throws {
        let kafka = try MockKafka(partitions: 1)
        let consumer = try kafka.consumer()
        _ = try consumer.watermarks(kafka.partition(0), timeout: .seconds(10))  // connects first
        try kafka.cluster.setRoundTripTime(broker: 1, milliseconds: 300)
        let start = ContinuousClock.now
        _ = try consumer.watermarks(kafka.partition(0), timeout: .seconds(10))
        #expect(ContinuousClock.now - start >= .milliseconds(250))
    }
}
