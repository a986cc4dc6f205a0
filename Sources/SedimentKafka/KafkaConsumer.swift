import CRdKafka

/// A librdkafka high-level consumer, driven by explicit assignment (`assign`) or by a
/// consumer group (`subscribe`).
///
/// Offsets are never committed or stored behind the caller's back: auto-commit and the
/// automatic offset store are off, and the caller commits what it made durable.
///
/// Not `Sendable`: `poll`, and the rebalance callback it runs, belong to one thread. The
/// metadata calls (`watermarks`, `partitions(of:)`, `offsetsForTimes`) are thread-safe in
/// librdkafka but are meant for that thread too (e.g. inside the rebalance callback).
public final class KafkaConsumer {
    let rk: OpaquePointer
    /// The consumer queue, to which librdkafka also forwards errors and rebalances.
    let queue: OpaquePointer
    let callbacks = KafkaCallbacks()
    /// The consumer group, or nil when the caller gave none (assign-only use).
    public let groupID: String?
    /// Set once `rd_kafka_consumer_close` returned; calls made while it runs (from the
    /// revoke callback, which commits) still work.
    var isClosed = false
    var isClosing = false
    var batch: UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>?> = .init(start: nil, count: 0)
    var topicNames = TopicNameCache()

    /// Start at the oldest message the partition still holds.
    public static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    /// Start after the last message: only messages produced from now on.
    public static let end = Int64(RD_KAFKA_OFFSET_END)
    /// Start at the group's committed offset, else where `auto.offset.reset` says.
    public static let committed = Int64(RD_KAFKA_OFFSET_STORED)

    /// Defaults that differ from librdkafka's; the caller's configuration overrides them.
    static let defaults = [
        // The archive, not the group, holds the positions: commit only on request.
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        // Eager rebalancing: every rebalance revokes all partitions, then assigns anew,
        // which is what `RebalanceEvent` describes.
        "partition.assignment.strategy": "range,roundrobin",
        // How long a broker may hold a fetch that found no new data (Kafka's default is
        // 500 ms). A fetch returns as soon as any fetched partition has data, so this costs
        // nothing with a real broker under load; but librdkafka's mock cluster serves one
        // message set per partition per fetch and holds the whole fetch for this long when
        // the partitions it asks for have nothing yet, which capped a backlog consume at
        // kcat's 65k msg/s. 10 ms keeps an idle consumer at 100 cheap fetches a second.
        "fetch.wait.max.ms": "10",
    ]

    /// - Parameter configuration: librdkafka properties; `bootstrap.servers` is required.
    ///   Without `group.id` the consumer is for `assign` only: librdkafka still needs a
    ///   group id, so a private random one is used, and `commit` refuses to run.
    ///   An unknown key or a bad value throws an error naming the key.
    public init(configuration: [String: String]) throws {
        var merged = Self.defaults.merging(configuration) { _, user in user }
        let groupID = configuration["group.id"].flatMap { $0.isEmpty ? nil : $0 }
        if groupID == nil { merged["group.id"] = Self.privateGroupID() }
        self.groupID = groupID
        let conf = try KafkaHandle.makeConfiguration(merged)
        callbacks.install(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, code, partitions, opaque in
            guard let rk, let partitions, let callbacks = KafkaCallbacks.from(opaque) else { return }
            KafkaConsumer.rebalance(rk, code, partitions, callbacks)
        }
        rk = try KafkaHandle.make(RD_KAFKA_CONSUMER, conf: conf)
        // Errors and rebalances arrive on the main queue: serve them from the consumer
        // queue that `poll` reads.
        rd_kafka_poll_set_consumer(rk)
        queue = rd_kafka_queue_get_consumer(rk)
    }

    deinit {
        close()
        batch.deallocate()
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(rk)
    }

    /// Leaves the group (revoking its partitions through the rebalance callback, on this
    /// thread) and stops fetching. Idempotent; later calls other than `close` throw.
    public func close() {
        guard !isClosed, !isClosing else { return }
        isClosing = true
        _ = rd_kafka_consumer_close(rk)
        isClosed = true
        // The closure often captures this consumer; dropping it breaks that cycle.
        callbacks.rebalance = nil
    }

    /// Errors librdkafka reports outside any call: brokers unreachable (`_TRANSPORT`,
    /// `_ALL_BROKERS_DOWN`), fatal errors (`isFatal`). Runs inside `poll`, on its thread.
    public var onError: (@Sendable (KafkaError) -> Void)? {
        get { callbacks.handlers.withLock { $0.onError } }
        set { callbacks.handlers.withLock { $0.onError = newValue } }
    }

    /// librdkafka's log lines; runs on librdkafka's internal threads. Without it they are
    /// dropped, not printed.
    public var onLog: (@Sendable (KafkaLogMessage) -> Void)? {
        get { callbacks.handlers.withLock { $0.onLog } }
        set { callbacks.handlers.withLock { $0.onLog = newValue } }
    }

    func checkOpen() throws {
        if isClosed { throw KafkaError.state("the consumer is closed") }
    }

    /// librdkafka wants a group id even for assign-only use; a random one shares offsets
    /// with nobody.
    private static func privateGroupID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        return "sediment-\(hex)"
    }
}
