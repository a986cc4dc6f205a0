import CRdKafka
@_spi(Testing) import SedimentKafka

/// Fault injection, for reliability tests: librdkafka's mock calls on the cluster's handle.
extension MockCluster {
    /// Closes the broker's connections and refuses new ones, as if it crashed.
    public func setBrokerDown(_ id: Int32) throws {
        try check(rd_kafka_mock_broker_set_down(handle, id), broker: id)
    }

    public func setBrokerUp(_ id: Int32) throws {
        try check(rd_kafka_mock_broker_set_up(handle, id), broker: id)
    }

    /// Delays every response of the broker by this much.
    public func setRoundTripTime(broker id: Int32, milliseconds: Int32) throws {
        try check(rd_kafka_mock_broker_set_rtt(handle, id, milliseconds), broker: id)
    }

    /// The next requests of this API (Kafka's API key: 0 Produce, 1 Fetch, 2 ListOffsets,
    /// 3 Metadata, 8 OffsetCommit...) fail with these error codes, one request each, on
    /// whichever broker receives them.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer { codes in
            rd_kafka_mock_push_request_errors_array(handle, apiKey, codes.count, codes.baseAddress)
        }
    }

    /// Drops the errors still pushed for this API.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(handle, apiKey)
    }

    private func check(_ code: rd_kafka_resp_err_t, broker id: Int32) throws {
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code, message: "mock broker \(id): \(String(cString: rd_kafka_err2str(code)))")
        }
    }
}
