import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` for the length of one call.
struct TopicPartitionList: ~Copyable {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(capacity, 1)))
    }

    /// A list of partitions with one value each in the `offset` field (an offset, or a
    /// timestamp for offsets-for-times).
    init<S: Sequence>(_ entries: S) where S.Element == (TopicPartition, Int64) {
        self.init(capacity: entries.underestimatedCount)
        for (partition, offset) in entries { add(partition, offset: offset) }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    func add(_ partition: TopicPartition, offset: Int64) {
        let element = rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition)!
        element.pointee.offset = offset
    }

    var elements: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointer.pointee.elems, count: Int(pointer.pointee.cnt))
    }

    /// Every entry's partition and `offset` field.
    var entries: [(TopicPartition, Int64)] {
        elements.map { (TopicPartition(topic: String(cString: $0.topic), partition: $0.partition), $0.offset) }
    }

    var partitions: [TopicPartition] { entries.map(\.0) }

    /// Throws the first per-partition error, if any.
    func checkErrors() throws {
        for element in elements where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(element.err, topic: String(cString: element.topic), partition: element.partition)
        }
    }
}
