import CRdKafka
import Synchronization

/// The Swift state behind librdkafka's C callbacks, passed to them as the handle's opaque.
///
/// The owner (producer, consumer, mock cluster) keeps the box alive for longer than its
/// `rd_kafka_t`, which it destroys first, so a callback never sees a dangling opaque.
///
/// `@unchecked Sendable`: the error and log handlers and the delivery failures sit behind
/// mutexes (log lines come from librdkafka's internal threads). `rebalance` is touched only
/// on the thread that polls the consumer: it is set before the first poll (`subscribe`) and
/// read in the rebalance callback, which librdkafka runs inside that thread's poll or close.
final class KafkaCallbacks: @unchecked Sendable {
    struct Handlers {
        var onError: (@Sendable (KafkaError) -> Void)?
        var onLog: (@Sendable (KafkaLogMessage) -> Void)?
    }

    struct DeliveryFailures {
        var count = 0
        var first: KafkaError?
    }

    let handlers = Mutex(Handlers())
    let deliveryFailures = Mutex(DeliveryFailures())
    var rebalance: ((RebalanceEvent) -> [TopicPartition: Int64]?)?
    /// Set once, before the producer exists; called in delivery callbacks.
    var onDelivery: (@Sendable (DeliveryReport) -> Void)?
    /// The error a rebalance callback could not report to librdkafka; `poll` throws it.
    var rebalanceFailure: KafkaError?

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> KafkaCallbacks? {
        opaque.map { Unmanaged<KafkaCallbacks>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Installs the error and log callbacks shared by every client type.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, opaque)
        rd_kafka_conf_set_error_cb(conf) { rk, code, reason, opaque in
            guard let callbacks = KafkaCallbacks.from(opaque) else { return }
            let message = reason.map { String(cString: $0) } ?? ""
            let code = rd_kafka_resp_err_t(rawValue: code)
            let error = code == RD_KAFKA_RESP_ERR__FATAL
                ? KafkaError.fatal(of: rk, fallback: message)
                : KafkaError(code, message: message)
            callbacks.handlers.withLock { $0.onError }?(error)
        }
        // Routed to a closure instead of stderr; dropped when there is none, since errors
        // that matter also reach the error callback.
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, line in
            guard let callbacks = KafkaCallbacks.from(rd_kafka_opaque(rk)),
                  let onLog = callbacks.handlers.withLock({ $0.onLog }) else { return }
            onLog(KafkaLogMessage(
                level: level,
                facility: facility.map { String(cString: $0) } ?? "",
                message: line.map { String(cString: $0) } ?? ""))
        }
    }
}
