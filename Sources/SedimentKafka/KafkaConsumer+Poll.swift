import CRdKafka
import Glibc

extension KafkaConsumer {
    /// Waits up to `timeout` for messages and hands each to `body`, up to `maxMessages`;
    /// returns how many it handed over (0 when none came).
    ///
    /// Error callbacks and rebalance callbacks run inside this call, on this thread.
    /// Partition EOF events are skipped. Other per-message errors (an unknown topic or
    /// partition, an offset reset) do not stop the batch: the messages around them are
    /// still handed over, then the first error is thrown with its topic and partition
    /// (later ones in the same batch go to `onError`). A fatal error throws with `isFatal`.
    /// If `body` throws, the rest of the batch is dropped: the consumer's position has
    /// moved past it, so the caller must assign again from its own positions.
    public func poll(maxMessages: Int, timeout: Duration, _ body: (KafkaMessageView) throws -> Void) throws -> Int {
        try checkOpen()
        guard maxMessages > 0 else { return 0 }
        if getenv("BENCH_SINGLE_POLL") != nil {  // TEMPORARY: benchmark comparison
            var delivered = 0
            var wait = timeout.timeoutMilliseconds
            while delivered < maxMessages, let message = rd_kafka_consumer_poll(rk, wait) {
                wait = 0
                defer { rd_kafka_message_destroy(message) }
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    try body(KafkaMessageView(message, topic: topicNames.name(of: message.pointee.rkt!)))
                    delivered += 1
                }
            }
            return delivered
        }
        if batch.count < maxMessages {
            batch.deallocate()
            batch = .allocate(capacity: maxMessages)
        }
        let received = rd_kafka_consume_batch_queue(queue, timeout.timeoutMilliseconds, batch.baseAddress, maxMessages)
        guard received >= 0 else { throw KafkaError(rd_kafka_last_error()) }
        var next = 0
        // Every message is destroyed exactly once, whether `body` throws or not.
        defer {
            while next < received {
                rd_kafka_message_destroy(batch[next])
                next += 1
            }
        }
        var delivered = 0
        var failure: KafkaError?
        while next < received {
            let message = batch[next]!
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                // The handle may be NULL only on error messages.
                try body(KafkaMessageView(message, topic: topicNames.name(of: message.pointee.rkt!)))
                delivered += 1
            } else if let error = messageError(message) {
                if failure == nil { failure = error } else { callbacks.handlers.withLock { $0.onError }?(error) }
            }
            rd_kafka_message_destroy(message)
            next += 1
        }
        if let error = callbacks.rebalanceFailure {
            callbacks.rebalanceFailure = nil
            throw error
        }
        if let failure { throw failure }
        return delivered
    }

    /// The error an error message carries, or nil for a partition EOF.
    private func messageError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaError? {
        let code = message.pointee.err
        switch code {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            return nil
        case RD_KAFKA_RESP_ERR__FATAL:
            return KafkaError.fatal(of: rk, fallback: String(cString: rd_kafka_message_errstr(message)))
        default:
            let topic = message.pointee.rkt.map { topicNames.name(of: $0) }
            let partition = topic == nil ? nil : message.pointee.partition
            return KafkaError(code, message: String(cString: rd_kafka_message_errstr(message)), topic: topic, partition: partition)
        }
    }
}
