import CRdKafka

/// The transactional producer (`transactional.id` set): messages produced between
/// `beginTransaction` and `commitTransaction` become visible to read-committed consumers
/// together, or not at all.
extension KafkaProducer {
    /// Registers the `transactional.id` with its coordinator. Any earlier producer with the
    /// same id is fenced from then on (its writes are refused), and the transaction it left
    /// open is aborted before this returns.
    public func initTransactions(timeout: Duration) throws {
        try Self.check(rd_kafka_init_transactions(handle, timeout.timeoutMilliseconds))
    }

    public func beginTransaction() throws {
        try Self.check(rd_kafka_begin_transaction(handle))
    }

    /// Flushes, then commits. Throws `TransactionError.abortRequired` when the
    /// transaction cannot commit any more (a message failed, the producer was fenced...):
    /// then call `abortTransaction`.
    public func commitTransaction(timeout: Duration) throws {
        try Self.check(rd_kafka_commit_transaction(handle, timeout.timeoutMilliseconds))
    }

    /// Drops what the transaction sent: read-committed consumers never see it.
    public func abortTransaction(timeout: Duration) throws {
        try Self.check(rd_kafka_abort_transaction(handle, timeout.timeoutMilliseconds))
    }

    private static func check(_ error: OpaquePointer?) throws {
        guard let error else { return }
        let requiresAbort = rd_kafka_error_txn_requires_abort(error) != 0
        let kafkaError = KafkaError(consuming: error)
        if requiresAbort { throw TransactionError.abortRequired(kafkaError) }
        throw kafkaError
    }
}

/// A transaction that can no longer commit: abort it, and the producer can begin another.
public enum TransactionError: Error, Sendable, CustomStringConvertible {
    case abortRequired(KafkaError)

    public var kafkaError: KafkaError {
        switch self { case .abortRequired(let error): error }
    }

    public var description: String { "the transaction must be aborted: \(kafkaError)" }
}
