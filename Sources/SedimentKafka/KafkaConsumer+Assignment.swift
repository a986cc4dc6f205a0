import CRdKafka

extension KafkaConsumer {
    /// Consumes exactly these partitions, each from its offset (or `beginning`, `end`,
    /// `committed`), replacing any previous assignment. No group membership is involved.
    ///
    /// Look the topics up first (`partitions(of:)`), as `sediment dump` does: when a
    /// partition's leader is not yet known, librdkafka retries its first offset lookup
    /// only after 500 ms.
    public func assign(_ partitions: [(TopicPartition, offset: Int64)]) throws {
        try checkOpen()
        let list = TopicPartitionList(partitions.map { ($0.0, $0.offset) })
        let code = rd_kafka_assign(rk, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
    }

    /// Joins the group (`group.id`) for these topics. The group decides which partitions
    /// this consumer gets; `rebalance` runs on the polling thread, inside `poll` or `close`:
    ///
    /// - `.assigned(partitions)`: return the offset to start each partition from (the
    ///   archive's positions). A partition left out starts from the group's committed
    ///   offset, else from `auto.offset.reset`.
    /// - `.revoked(partitions)`: write and commit what is held for them now; they are
    ///   unassigned when the closure returns. The return value is ignored.
    public func subscribe(_ topics: [String], rebalance: @escaping (RebalanceEvent) -> [TopicPartition: Int64]?) throws {
        try checkOpen()
        guard groupID != nil else {
            throw KafkaError.invalidArgument("subscribing needs a consumer group: set group.id")
        }
        callbacks.rebalance = rebalance
        let list = TopicPartitionList(topics.map { (TopicPartition(topic: $0, partition: -1), Int64(RD_KAFKA_OFFSET_INVALID)) })
        let code = rd_kafka_subscribe(rk, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
    }

    /// Commits the next offsets to read (last consumed + 1) to the group, waiting up to
    /// `timeout` for the coordinator to confirm, for lag tools and for group members that
    /// take a partition over without an archive position. Throws without a `group.id`:
    /// the private group is never committed to.
    ///
    /// Bounded on purpose: librdkafka's synchronous `rd_kafka_commit` waits for a group
    /// coordinator forever, so a commit made while the cluster is gone (say, on the way
    /// out after SIGTERM) would never return. A commit that timed out may still complete.
    public func commit(_ offsets: [TopicPartition: Int64], timeout: Duration = .seconds(10)) throws {
        try checkOpen()
        guard groupID != nil else {
            throw KafkaError.invalidArgument("no group.id was configured: there is no consumer group to commit to")
        }
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList(offsets.map { ($0.key, $0.value) })
        let replies = rd_kafka_queue_new(rk)!
        defer { rd_kafka_queue_destroy(replies) }
        let code = rd_kafka_commit_queue(rk, list.pointer, replies, nil, nil)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
        guard let event = rd_kafka_queue_poll(replies, timeout.timeoutMilliseconds) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "the group coordinator did not confirm the commit within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let result = rd_kafka_event_error(event)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: String(cString: rd_kafka_event_error_string(event)))
        }
        if let committed = rd_kafka_event_topic_partition_list(event) {
            let elements = UnsafeBufferPointer(start: committed.pointee.elems, count: Int(committed.pointee.cnt))
            for element in elements where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(element.err, topic: String(cString: element.topic), partition: element.partition)
            }
        }
    }

    /// librdkafka's rebalance callback: asks the Swift closure, then assigns or unassigns.
    /// librdkafka requires an assign or unassign here whatever happens, so failures are
    /// kept for `poll` to throw rather than thrown through C.
    static func rebalance(
        _ rk: OpaquePointer, _ code: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, _ callbacks: KafkaCallbacks
    ) {
        let elements = UnsafeMutableBufferPointer(start: partitions.pointee.elems, count: Int(partitions.pointee.cnt))
        let assigned = elements.map { TopicPartition(topic: String(cString: $0.topic), partition: $0.partition) }
        // Eager by default; a caller who configured a cooperative assignor gets
        // incremental calls, which librdkafka requires in that mode.
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        var failure: KafkaError?
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let offsets = callbacks.rebalance?(.assigned(assigned)) ?? nil
            for index in elements.indices {
                elements[index].offset = offsets?[assigned[index]] ?? Int64(RD_KAFKA_OFFSET_INVALID)
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { failure = KafkaError(consuming: error) }
            } else {
                let result = rd_kafka_assign(rk, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(result) }
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            _ = callbacks.rebalance?(.revoked(assigned))
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { failure = KafkaError(consuming: error) }
            } else {
                let result = rd_kafka_assign(rk, nil)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(result) }
            }
        default:
            // A failed rebalance (e.g. no common assignor): drop everything and report.
            failure = KafkaError(code)
            _ = rd_kafka_assign(rk, nil)
        }
        if let failure, callbacks.rebalanceFailure == nil { callbacks.rebalanceFailure = failure }
    }
}
