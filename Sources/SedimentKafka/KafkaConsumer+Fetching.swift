import CRdKafka

extension KafkaConsumer {
    /// The high watermark librdkafka last saw for the partition in a fetch response, without
    /// asking the broker; nil when it has seen none.
    public func cachedHighWatermark(_ partition: TopicPartition) -> Int64? {
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_get_watermark_offsets(rk, partition.topic, partition.partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// Wakes the thread that fetches the partition, so that it decides again, now, whether
    /// to fetch.
    ///
    /// librdkafka 2.0 stops fetching once the consumer queue holds `queued.min.messages` or
    /// `queued.max.messages.kbytes`, and looks again only when that broker's thread next
    /// wakes: up to a second later (its fixed block time), however soon the queue empties.
    /// A request through that thread wakes it; a watermark query is the cheapest there is.
    /// (librdkafka 2.1 added `fetch.queue.backoff.ms` for the same stall.)
    public func wakeFetcher(of partition: TopicPartition, timeout: Duration) {
        _ = try? watermarks(partition, timeout: timeout)
    }
}

extension KafkaConsumer {
    /// Stops fetching the partitions until `resume`, while `poll` goes on serving the
    /// group (rebalances, heartbeats). What was fetched and not yet polled is dropped;
    /// fetching resumes after the last message `poll` handed over.
    public func pause(_ partitions: [TopicPartition]) throws {
        try pauseOrResume(partitions, pausing: true)
    }

    public func resume(_ partitions: [TopicPartition]) throws {
        try pauseOrResume(partitions, pausing: false)
    }

    private func pauseOrResume(_ partitions: [TopicPartition], pausing: Bool) throws {
        guard !partitions.isEmpty else { return }
        try checkOpen()
        let list = TopicPartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        let code = pausing ? rd_kafka_pause_partitions(rk, list.pointer) : rd_kafka_resume_partitions(rk, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code) }
        try list.checkErrors()
    }
}
