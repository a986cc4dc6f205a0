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
    let callbacks = KafkaCallbacks()
    /// The consumer group, or nil when the caller gave none (assign-only use).
    public let groupID: String?
    /// Set once `close` finished or gave up; calls made while it runs (from the revoke
    /// callback, which commits) still work.
    var isClosed = false
    var isClosing = false
    /// librdkafka finished closing (false when `close` gave up at its timeout).
    var isCloseComplete = false
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
        // How long a broker may hold a fetch that found no new data (librdkafka's default
        // is 500 ms). A real broker answers as soon as data arrives, so this only paces an
        // idle consumer (10 fetches a second per broker). librdkafka's mock cluster holds
        // an empty fetch for the whole wait even when data arrives meanwhile, so on the
        // mock this bounds how late a new message is seen. Backlog throughput on the mock
        // measured the same at 10, 100 and 500 ms.
        "fetch.wait.max.ms": "100",
        // The most one fetch response may carry (librdkafka's default is 50 MiB). On the
        // mock, 128 partitions of 1 KiB messages consumed at 1.24M msg/s with 16 MiB and
        // 0.86M with 50 MiB, the broker thread busy with page faults (glibc maps blocks
        // above 32 MiB afresh for each response). 16 MiB per round trip still carries
        // over 300 MB/s across a 50 ms link.
        "fetch.max.bytes": "16777216",
        // Fetched messages librdkafka queues ahead of `poll`, for the whole consumer
        // (librdkafka's default is 64 MiB). A queued message holds its whole fetch response
        // (up to `fetch.max.bytes`) until destroyed, and a partition is fetched until the
        // queue is over this, so librdkafka holds about this plus one response per broker.
        // Dumping 1 GB from 512 partitions of the mock (Benchmarks/run's dump): 64 MiB
        // peaked at 247-265 MB RSS, 16 MiB at 175-187 MB in the same time, 8 MiB at 166 MB
        // but twice as slow (median 7.7 s against 3.8 s: the queue ran dry between fetches).
        "queued.max.messages.kbytes": "16384",
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
    }

    /// The value librdkafka runs with for a setting (the caller's, else `defaults`, else
    /// librdkafka's own), or nil for a name it does not know.
    func setting(_ name: String) -> String? {
        let conf = rd_kafka_conf(rk)
        var size = 0
        guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
        var value = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, name, &value, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(cString: value)
    }

    /// Without a completed close, destroying would close (and could hang) again.
    deinit {
        close()
        rd_kafka_destroy_flags(rk, isCloseComplete ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)
    }

    /// Leaves the group (revoking its partitions through the rebalance callback, on this
    /// thread) and stops fetching, waiting up to `timeout`. Idempotent; afterwards every
    /// call but `close` throws.
    ///
    /// Bounded on purpose: librdkafka 2.0.2 never finishes closing while a commit waits
    /// for a group coordinator that does not answer (librdkafka issue #3740), e.g. after
    /// the cluster went away. Past the timeout the consumer is abandoned half-closed.
    public func close(timeout: Duration = .seconds(30)) {
        guard !isClosed, !isClosing else { return }
        isClosing = true
        defer {
            isClosed = true
            // The closure often captures this consumer; dropping it breaks that cycle.
            callbacks.rebalance = nil
        }
        let events = rd_kafka_queue_new(rk)!
        defer { rd_kafka_queue_destroy(events) }
        if let error = rd_kafka_consumer_close_queue(rk, events) {
            rd_kafka_error_destroy(error)
            return
        }
        let deadline = ContinuousClock.now + timeout
        // Serves the revoke, on this thread, while the close runs. Events, not callbacks:
        // the close forwards the consumer queue here, and a fetched message that nobody
        // read would make `rd_kafka_queue_poll_callback` abort (rdkafka_queue.c assert
        // `res != RD_KAFKA_OP_RES_PASS`); as an event it is simply dropped.
        while rd_kafka_consumer_closed(rk) == 0 && ContinuousClock.now < deadline {
            guard let event = rd_kafka_queue_poll(events, 100) else { continue }
            if rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE,
                let partitions = rd_kafka_event_topic_partition_list(event)
            {
                KafkaConsumer.rebalance(rk, rd_kafka_event_error(event), partitions, callbacks)
            }
            rd_kafka_event_destroy(event)
        }
        isCloseComplete = rd_kafka_consumer_closed(rk) != 0
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
