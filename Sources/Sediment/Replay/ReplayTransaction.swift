import SedimentKafka

/// A transactional replay's producer side: fence earlier runs, then one transaction per
/// checkpoint. What an aborted transaction held leaves the recorder unrecorded, so a
/// resume sends it again.
struct ReplayTransaction {
    let producer: KafkaProducer
    let recorder: OffsetMapRecorder
    /// How long a commit may wait for the transaction's messages to be acknowledged; a
    /// commit that times out is tried again, as librdkafka allows.
    var commitTimeout: Duration = .seconds(60)

    /// Fences every earlier producer with this `transactional.id` and aborts the
    /// transaction a dead run left open.
    func start() throws {
        do {
            try producer.initTransactions(timeout: .seconds(60))
        } catch let error as KafkaError {
            throw SedimentError(
                error.isRetriable ? .kafkaUnreachable : .kafka,
                "cannot start the replay's transactions on the target cluster: \(error); a cluster without transactions (or an ACL refusing "
                    + "this transactional id) needs a replay started with `transactional` off (--no-transactions), which a resume keeps",
                underlying: error)
        }
    }

    func begin() throws {
        try producer.beginTransaction()
    }

    /// Commits what was produced since `begin`, then (`andBegin`) begins the next
    /// transaction. A transaction that can no longer commit throws, for the caller to `abandon`.
    func commit(andBegin: Bool) throws {
        var attempts = 0
        while true {
            do {
                try producer.commitTransaction(timeout: commitTimeout)
                break
            } catch TransactionError.abortRequired(let error) {
                // The replay's failure path abandons the transaction (aborts it, forgets its runs).
                let cause = recorder.failure ?? error
                throw SedimentError(
                    cause.isRetriable ? .kafkaUnreachable : .kafka,
                    "the target could not commit the replay's transaction, so it was aborted: \(cause); "
                        + "what it held is not recorded, and a resume sends it again",
                    underlying: cause)
            } catch let error as KafkaError where error.isRetriable && !error.isFatal && attempts < 5 {
                attempts += 1
            }
        }
        if andBegin { try begin() }
    }

    /// After a failure: the open transaction is aborted (or left to the coordinator's
    /// timeout, or the next run's fence, when even that fails) and its messages forgotten.
    func abandon() {
        recorder.discard()
        try? producer.abortTransaction(timeout: .seconds(30))
    }
}
