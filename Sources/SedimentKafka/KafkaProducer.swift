import CRdKafka
import Synchronization

/// A librdkafka producer: `produce` queues, `flush` waits for the brokers' acknowledgements
/// and reports the messages that could not be delivered.
///
/// `@unchecked Sendable`: librdkafka's produce, poll and flush are thread-safe; the Swift
/// state (topic handles, callbacks) sits behind mutexes.
public final class KafkaProducer: @unchecked Sendable {
    private let rk: OpaquePointer
    private let callbacks = KafkaCallbacks()
    /// Topic handles by name, kept for the producer's life: `produceva` with a handle skips
    /// a lookup by name for every message.
    private let topics = Mutex<[String: OpaquePointer]>([:])

    /// Defaults that differ from librdkafka's; the caller's configuration overrides them.
    static let defaults = [
        // Report only failed deliveries: `flush` needs those, and a callback per successful
        // message would cost more than the produce call itself.
        "delivery.report.only.error": "true",
    ]

    /// - Parameters:
    ///   - configuration: librdkafka properties (`bootstrap.servers`, `linger.ms`, `acks`...).
    ///     An unknown key or a bad value throws an error naming the key.
    ///   - onDelivery: when given, called for every message's delivery report (success or
    ///     failure, with the partition and offset it got), inside `poll`, `produce` and
    ///     `flush`, on the calling thread. Failures still make `flush` throw.
    public init(configuration: [String: String], onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil) throws {
        var settings = Self.defaults.merging(configuration) { _, user in user }
        if onDelivery != nil { settings["delivery.report.only.error"] = "false" }
        let conf = try KafkaHandle.makeConfiguration(settings)
        callbacks.install(on: conf)
        callbacks.onDelivery = onDelivery
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let callbacks = KafkaCallbacks.from(opaque) else { return }
            let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
            let error = message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR
                ? nil : KafkaError(message.pointee.err, topic: topic, partition: message.pointee.partition)
            if let error {
                callbacks.deliveryFailures.withLock { failures in
                    failures.count += 1
                    if failures.first == nil { failures.first = error }
                }
            }
            callbacks.onDelivery?(DeliveryReport(
                opaque: UInt64(UInt(bitPattern: message.pointee._private)), partition: message.pointee.partition,
                offset: message.pointee.offset, bytes: message.pointee.len + message.pointee.key_len, error: error))
        }
        rk = try KafkaHandle.make(RD_KAFKA_PRODUCER, conf: conf)
    }

    /// Serves delivery reports (and errors), waiting up to `timeout` for one; returns how
    /// many events were served.
    @discardableResult
    public func poll(timeout: Duration = .zero) -> Int {
        Int(rd_kafka_poll(rk, timeout.timeoutMilliseconds))
    }

    /// Messages queued or in flight, not yet reported.
    public var outstanding: Int { Int(rd_kafka_outq_len(rk)) }

    /// The topic's partition ids, sorted; a topic that does not exist throws
    /// `UNKNOWN_TOPIC_OR_PART` naming it.
    public func partitions(of topic: String, timeout: Duration) throws -> [Int32] {
        try KafkaHandle.partitions(of: topic, rk: rk, timeout: timeout)
    }

    /// Messages still queued are dropped: call `flush` first to deliver them.
    deinit {
        topics.withLock { topics in
            for handle in topics.values { rd_kafka_topic_destroy(handle) }
        }
        rd_kafka_destroy(rk)
    }

    /// Errors librdkafka reports outside any call: brokers unreachable (`_TRANSPORT`,
    /// `_ALL_BROKERS_DOWN`), fatal errors. Runs inside `produce` (when the queue is full)
    /// and `flush`, on the calling thread.
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

    /// Waits until every queued message is acknowledged or failed, up to `timeout`.
    ///
    /// Throws `_TIMED_OUT` if messages are still outstanding, else the first delivery
    /// failure since the previous flush (its message counts the failures); either way
    /// the failure count starts again from zero.
    public func flush(timeout: Duration) throws {
        let result = rd_kafka_flush(rk, timeout.timeoutMilliseconds)
        let failures = callbacks.deliveryFailures.withLock { failures in
            defer { failures = .init() }
            return failures
        }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(result, message: "\(rd_kafka_outq_len(rk)) messages still undelivered after \(timeout)")
        }
        if var error = failures.first {
            error.message = "\(failures.count) messages not delivered; the first: \(error.message)"
            throw error
        }
    }

    /// A topic handle owned by `topics`, created on first use.
    func topicHandle(_ name: String) throws -> OpaquePointer {
        try topics.withLock { topics in
            if let handle = topics[name] { return handle }
            guard let handle = rd_kafka_topic_new(rk, name, nil) else {
                throw KafkaError(rd_kafka_last_error(), topic: name)
            }
            topics[name] = handle
            return handle
        }
    }

    var handle: OpaquePointer { rk }
}
