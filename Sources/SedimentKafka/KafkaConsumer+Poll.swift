import CRdKafka

extension KafkaConsumer {
    /// Waits up to `timeout` for a first message, then hands `body` that message and
    /// whatever else is already fetched, up to `maxMessages`; returns how many it handed
    /// over (0 when none came in time). `until` is asked before each message: once it says
    /// full, the poll stops and leaves the rest queued, so a caller that batches by bytes
    /// takes no more than its batch holds (`dump`: see `DumpSession.isBatchFull`).
    ///
    /// Error and rebalance callbacks run inside this call, on this thread. Partition EOF
    /// events (with `enable.partition.eof`) go to `endOfPartition` with the offset reached
    /// (not counted in the result). Other per-message errors (an unknown topic or partition, an
    /// offset reset) do not stop the batch: the messages around them are still handed
    /// over, then the first error is thrown with its topic and partition (later ones in
    /// the same batch go to `onError`). A fatal error throws with `isFatal`.
    ///
    /// If `body` throws, the poll stops there and rethrows: that message counts as
    /// consumed, the ones after it stay queued for the next poll.
    public func poll(
        maxMessages: Int, timeout: Duration, endOfPartition: ((TopicPartition, Int64) -> Void)? = nil,
        until isFull: () -> Bool = { false }, _ body: (KafkaMessageView) throws -> Void
    ) throws -> Int {
        try checkOpen()
        // One message per `rd_kafka_consumer_poll` rather than `rd_kafka_consume_batch_queue`:
        // measured as fast on the mock (the broker thread, not this loop, is the limit),
        // and free of the batch API's known issues in librdkafka 2.0 (messages lost or
        // outdated around rebalances and seeks).
        var delivered = 0
        var handled = 0
        var wait = timeout.timeoutMilliseconds
        var failure: KafkaError?
        while handled < maxMessages, !isFull(), let message = rd_kafka_consumer_poll(rk, wait) {
            defer { rd_kafka_message_destroy(message) }
            wait = 0
            handled += 1
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                // The topic handle is NULL only on some error events.
                try body(KafkaMessageView(message, topic: topicNames.name(of: message.pointee.rkt!)))
                delivered += 1
            } else if message.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF, let endOfPartition, let topic = message.pointee.rkt {
                endOfPartition(TopicPartition(topic: topicNames.name(of: topic), partition: message.pointee.partition), message.pointee.offset)
            } else if let error = messageError(message) {
                if failure == nil { failure = error } else { callbacks.handlers.withLock { $0.onError }?(error) }
            }
        }
        if let error = callbacks.rebalanceFailure {
            callbacks.rebalanceFailure = nil
            throw error
        }
        if let failure { throw failure }
        return delivered
    }

    /// The error an error event carries, or nil for a partition EOF.
    private func messageError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaError? {
        let code = message.pointee.err
        let reason = String(cString: rd_kafka_message_errstr(message))
        switch code {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            return nil
        case RD_KAFKA_RESP_ERR__FATAL:
            return KafkaError.fatal(of: rk, fallback: reason)
        default:
            let topic = message.pointee.rkt.map { topicNames.name(of: $0) }
            return KafkaError(code, message: reason, topic: topic, partition: topic == nil ? nil : message.pointee.partition)
        }
    }
}
