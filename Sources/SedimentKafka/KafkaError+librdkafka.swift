import CRdKafka

extension KafkaError {
    /// An error for a response code, in librdkafka's words unless `message` says better.
    @_spi(Testing) public init(_ code: rd_kafka_resp_err_t, message: String? = nil, topic: String? = nil, partition: Int32? = nil) {
        self.init(
            code: code.rawValue,
            name: String(cString: rd_kafka_err2name(code)),
            message: message ?? String(cString: rd_kafka_err2str(code)),
            isFatal: code == RD_KAFKA_RESP_ERR__FATAL,
            isRetriable: Self.retriableCodes.contains(code.rawValue),
            topic: topic, partition: partition)
    }

    /// Takes an `rd_kafka_error_t` (which says itself whether it is fatal or retriable)
    /// and destroys it.
    init(consuming error: OpaquePointer, topic: String? = nil, partition: Int32? = nil) {
        defer { rd_kafka_error_destroy(error) }
        let code = rd_kafka_error_code(error)
        self.init(
            code: code.rawValue,
            name: String(cString: rd_kafka_error_name(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0 || Self.retriableCodes.contains(code.rawValue),
            topic: topic, partition: partition)
    }

    /// The error that made `rk` unusable: `_FATAL` only says that there is one; the
    /// underlying code and reason come from `rd_kafka_fatal_error`.
    static func fatal(of rk: OpaquePointer?, fallback: String) -> KafkaError {
        var reason = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(rk, &reason, reason.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else {
            return KafkaError(RD_KAFKA_RESP_ERR__FATAL, message: fallback)
        }
        var error = KafkaError(code, message: String(cBuffer: reason))
        error.isFatal = true
        error.isRetriable = false
        return error
    }

    /// A misuse of this wrapper or of librdkafka (`_INVALID_ARG`), never retriable.
    static func invalidArgument(_ message: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: message)
    }

    /// A call in the wrong state, e.g. polling a closed consumer (`_STATE`).
    static func state(_ message: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__STATE, message: message)
    }

    /// Codes after which the same call may succeed: brokers coming back, leaders and
    /// coordinators moving, requests that timed out. Kafka's Java client marks the broker
    /// codes here as retriable too. `UNKNOWN_TOPIC_OR_PART` is left out on purpose: for an
    /// archiver a missing topic is a configuration error, not a transient state.
    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__WAIT_COORD,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR, RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
        RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE,
    ].reduce(into: []) { $0.insert($1.rawValue) }
}
