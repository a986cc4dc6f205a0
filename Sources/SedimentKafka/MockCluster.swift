import CRdKafka

/// librdkafka's in-process mock Kafka cluster: real Kafka protocol servers on loopback,
/// for tests, benchmarks and `sediment mock-cluster`. Any client (kcat too) can use it.
///
/// It keeps only about the last 5 MB of each partition, answers offsets-for-times with
/// -1, and stores message sets as producers send them (so timestamps are always
/// `createTime`: there is no LogAppendTime topic setting).
///
/// `@unchecked Sendable`: the mock's functions post requests to its own thread or take
/// its lock, so they may be called from any thread.
public final class MockCluster: @unchecked Sendable {
    /// The client instance hosting the cluster; it must outlive the cluster.
    private let rk: OpaquePointer
    private let cluster: OpaquePointer
    private let callbacks = KafkaCallbacks()
    private let forwarder: LoopbackForwarder?

    /// What clients should use as `bootstrap.servers`.
    public let bootstrapServers: String
    /// The brokers' own addresses, `127.0.0.1:PORT` each, on ports the kernel chose.
    public let brokerAddresses: String
    public let brokerCount: Int

    /// - Parameters:
    ///   - brokers: broker ids are 1 through `brokers`.
    ///   - port: a fixed bootstrap port on 127.0.0.1. librdkafka 2.0.2's mock brokers
    ///     always listen on ports the kernel picks, so a fixed port is served by a small
    ///     forwarder to the brokers; clients bootstrap through it, then connect to the
    ///     brokers directly at the addresses the metadata gives.
    public init(brokers: Int = 1, port: Int? = nil) throws {
        guard brokers >= 1, brokers <= 1000 else {
            throw KafkaError.invalidArgument("a mock cluster needs 1 to 1000 brokers, not \(brokers)")
        }
        if let port, !(1...65535).contains(port) {
            throw KafkaError.invalidArgument("the mock cluster's port must be within 1...65535, not \(port)")
        }
        let conf = try KafkaHandle.makeConfiguration([:])
        callbacks.install(on: conf)
        let rk = try KafkaHandle.make(RD_KAFKA_PRODUCER, conf: conf)
        guard let cluster = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "cannot create a mock cluster of \(brokers) brokers")
        }
        // The mock advertises Metadata v0-2, and before v4 a request cannot say "do not
        // create": every metadata lookup of a missing topic would create it, with 4
        // partitions. Its handler reads v4's flag, so advertise v4 and let consumers
        // (allow.auto.create.topics=false) see missing topics as missing, like on a broker.
        _ = rd_kafka_mock_set_apiversion(cluster, 3, 0, 4)
        let addresses = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        if let port {
            let ports = addresses.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } }
            do {
                forwarder = try LoopbackForwarder(port: UInt16(port), targets: ports)
            } catch {
                rd_kafka_mock_cluster_destroy(cluster)
                rd_kafka_destroy(rk)
                throw error
            }
            bootstrapServers = "127.0.0.1:\(port)"
        } else {
            forwarder = nil
            bootstrapServers = addresses
        }
        self.rk = rk
        self.cluster = cluster
        self.brokerAddresses = addresses
        self.brokerCount = brokers
    }

    /// The cluster first, then the instance hosting it.
    deinit {
        forwarder?.stop()
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(rk)
    }

    /// librdkafka's log lines about the mock (its errors included); dropped without it.
    public var onLog: (@Sendable (KafkaLogMessage) -> Void)? {
        get { callbacks.handlers.withLock { $0.onLog } }
        set { callbacks.handlers.withLock { $0.onLog = newValue } }
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let code = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code, topic: name) }
    }

    /// The `rd_kafka_mock_cluster_t`, for the fault injection in SedimentKafkaTestSupport.
    @_spi(Testing) public var handle: OpaquePointer { cluster }
}
