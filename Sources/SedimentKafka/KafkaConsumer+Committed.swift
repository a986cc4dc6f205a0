import CRdKafka

extension KafkaConsumer {
    /// The offset the consumer will fetch next, per assigned partition: where it resumed
    /// (a group's committed offset, say) until it has consumed something. A partition
    /// whose fetch has not started yet is left out. Local and non-blocking.
    public func positions(_ partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard !partitions.isEmpty else { return [:] }
        let list = TopicPartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        let code = rd_kafka_position(rk, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, offset) in list.entries where offset >= 0 { offsets[partition] = offset }
        return offsets
    }
}

extension KafkaConsumer {
    /// The group's committed next offset for each partition; a partition the group has
    /// never committed is left out. Needs a `group.id`. Blocking: do not call it from a
    /// rebalance callback.
    public func committed(_ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard groupID != nil else {
            throw KafkaError.invalidArgument("no group.id was configured: there are no committed offsets")
        }
        guard !partitions.isEmpty else { return [:] }
        let list = TopicPartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        let code = rd_kafka_committed(rk, list.pointer, timeout.timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
        try list.checkErrors()
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, offset) in list.entries where offset >= 0 { offsets[partition] = offset }
        return offsets
    }
}
