import CRdKafka

extension KafkaConsumer {
    /// The partition's first offset still held and the offset the next message will get,
    /// asked of the partition leader.
    public func watermarks(_ partition: TopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        try checkOpen()
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_query_watermark_offsets(
            rk, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code, topic: partition.topic, partition: partition.partition)
        }
        return (low, high)
    }

    /// For each partition, the offset of the first message whose timestamp is at or after
    /// the given one (milliseconds). -1 means there is none; librdkafka's mock cluster
    /// always answers -1, since it does not implement lookups by time.
    public func offsetsForTimes(_ query: [TopicPartition: Int64], timeout: Duration) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard !query.isEmpty else { return [:] }
        let list = TopicPartitionList(query.map { ($0.key, $0.value) })
        let code = rd_kafka_offsets_for_times(rk, list.pointer, timeout.timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
        try list.checkErrors()
        return Dictionary(list.entries, uniquingKeysWith: { first, _ in first })
    }

    /// The topic's partition ids, sorted, from the cluster's metadata. A topic that does
    /// not exist throws `UNKNOWN_TOPIC_OR_PART` naming it.
    public func partitions(of topic: String, timeout: Duration) throws -> [Int32] {
        try checkOpen()
        return try KafkaHandle.partitions(of: topic, rk: rk, timeout: timeout)
    }
}

extension KafkaHandle {
    /// The topic's partition ids from the metadata of the client `rk`.
    static func partitions(of topic: String, rk: OpaquePointer, timeout: Duration) throws -> [Int32] {
        guard let handle = rd_kafka_topic_new(rk, topic, nil) else {
            throw KafkaError(rd_kafka_last_error(), topic: topic)
        }
        defer { rd_kafka_topic_destroy(handle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(rk, 0, handle, &metadata, timeout.timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code, message: "cannot read the metadata of topic '\(topic)': \(String(cString: rd_kafka_err2str(code)))", topic: topic)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first(where: { String(cString: $0.topic) == topic }) else {
            throw KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, message: "topic '\(topic)' is not in the cluster's metadata", topic: topic)
        }
        guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(entry.err, message: "topic '\(topic)': \(String(cString: rd_kafka_err2str(entry.err)))", topic: topic)
        }
        let partitions = UnsafeBufferPointer(start: entry.partitions, count: Int(entry.partition_cnt))
        return partitions.map(\.id).sorted()
    }
}
