import Dispatch
import Logging
import SedimentKafka
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ArchiveDump {
    func consumerConfiguration() -> [String: String] {
        var configuration = [
            "bootstrap.servers": options.brokers,
            // Where the group has no committed offset and the archive no position.
            "auto.offset.reset": options.start == .latest ? "latest" : "earliest",
        ]
        if let group = options.group {
            configuration["group.id"] = group
            configuration["partition.assignment.strategy"] = "range,roundrobin"
        }
        configuration.merge(options.kafkaOptions) { _, user in user }
        return configuration
    }

    /// The partitions of every topic, retrying with backoff while the brokers cannot be
    /// reached, up to `connectTimeout`. A topic that does not exist is an immediate error.
    func connect(_ consumer: KafkaConsumer, stop: DumpStop) throws -> [String: [Int32]] {
        let deadline = ContinuousClock.now + options.connectTimeout
        var delay = Duration.milliseconds(250)
        var partitions: [String: [Int32]] = [:]
        for topic in options.topics {
            while partitions[topic] == nil {
                do {
                    let remaining = deadline - ContinuousClock.now
                    // Short attempts, so that each failure is logged while librdkafka keeps reconnecting.
                    partitions[topic] = try consumer.partitions(of: topic, timeout: max(.milliseconds(100), min(.seconds(2), remaining)))
                } catch let error as KafkaError where error.name == "UNKNOWN_TOPIC_OR_PART" || error.name == "_UNKNOWN_TOPIC" {
                    throw SedimentError(
                        .notFound, "topic '\(topic)' does not exist on the Kafka cluster at \(options.brokers) (\(error.name))",
                        context: ["topic": topic], underlying: error)
                } catch let error as KafkaError where !error.isFatal {
                    guard ContinuousClock.now + delay < deadline, !stop.isRequested else {
                        throw SedimentError(
                            .kafkaUnreachable,
                            "cannot reach Kafka at \(options.brokers) within \(options.connectTimeout) (--connect-timeout); last error: \(error.message)",
                            context: ["brokers": options.brokers], underlying: error)
                    }
                    logger.warning("cannot reach Kafka at \(options.brokers): \(error.message); retrying in \(delay)")
                    sleep(delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
        }
        return partitions
    }

    /// Without a group: every partition, each from its stored position or from `--start`.
    func assignAll(_ partitions: [String: [Int32]], consumer: KafkaConsumer) throws {
        let all = options.topics.flatMap { topic in (partitions[topic] ?? []).map { TopicPartition(topic: topic, partition: $0) } }
        let watermarks = try Self.watermarks(of: all, consumer: consumer)
        var assignment: [(TopicPartition, offset: Int64)] = []
        for key in all {
            let start = try startOffset(for: key, watermarks: watermarks[key]!, consumer: consumer)
            assignment.append((key, offset: start.offset))
            targets[key] = start.target
        }
        try consumer.assign(assignment)
        logger.info("assigned \(assignment.count) partitions", metadata: ["topics": "\(options.topics.joined(separator: ","))"])
    }

    /// With a group: the group decides which partitions this process gets; each resumes
    /// from the archive's stored position, or from the group's committed offset, or `--start`.
    func subscribe(_ consumer: KafkaConsumer) throws {
        try consumer.subscribe(options.topics) { [unowned self] event in
            do {
                return try self.rebalance(event, consumer: consumer)
            } catch {
                self.logger.error("rebalance failed: \(error)")
                self.fatal.record(KafkaError(code: -1, name: "_REBALANCE", message: "\(error)", isFatal: true, isRetriable: false))
                return nil
            }
        }
    }

    private func rebalance(_ event: RebalanceEvent, consumer: KafkaConsumer) throws -> [TopicPartition: Int64]? {
        switch event {
        case .revoked(let partitions):
            // Write and commit everything held before the group hands these to another
            // worker, which resumes from the committed offsets.
            try flush()
            try pipeline.finish()
            let revoked = Set(partitions)
            let durable = uncommitted.merging(pipeline.takeDurablePositions()) { max($0, $1) }
            // Offsets of partitions kept are retried later; those of revoked ones now or never.
            uncommitted = durable.filter { !revoked.contains(TopicPartition(topic: $0.key.topic, partition: $0.key.partition)) }
            let positions = writer.positions.filter { key, _ in
                key.instance == options.instance && revoked.contains(TopicPartition(topic: key.topic, partition: key.partition))
            }
            // One short attempt: the group waits for this callback to return.
            if !positions.isEmpty && !commit(positions, timeout: .seconds(3)) {
                logger.warning("the group refused the offsets of revoked partitions; their next owner may archive some messages again")
            }
            for partition in partitions { targets[partition] = nil }
            logger.info("partitions revoked", metadata: ["partitions": "\(describe(partitions))"])
            return nil
        case .assigned(let partitions):
            // The stored positions are read below: no append may be running.
            try pipeline.finish()
            let watermarks = try Self.watermarks(of: partitions, consumer: consumer)
            for partition in partitions {
                targets[partition] = try startOffset(for: partition, watermarks: watermarks[partition]!, consumer: consumer).target
            }
            // Where each partition really resumes is known once its fetch starts; the loop
            // then refines the caught-up targets.
            uncheckedCommits.formUnion(partitions)
            assigned = true
            logger.info("partitions assigned", metadata: ["partitions": "\(describe(partitions))"])
            // Every partition starts from the group's committed offset (or auto.offset.reset):
            // another worker may have archived it further since this archive last had it.
            // Messages this archive already holds are skipped as they arrive.
            return [:]
        }
    }

    /// Raises the caught-up floor of newly assigned partitions to where their fetch
    /// resumed (the group's committed offset), once librdkafka knows it.
    func checkResumePositions(_ consumer: KafkaConsumer) throws {
        guard !uncheckedCommits.isEmpty else { return }
        for (partition, offset) in try consumer.positions(Array(uncheckedCommits)) {
            uncheckedCommits.remove(partition)
            if let target = targets[partition] { targets[partition] = (target.high, max(target.floor, offset)) }
        }
    }

    struct Start {
        /// What to assign: an offset or one of librdkafka's logical offsets.
        var offset: Int64
        var target: (high: Int64, floor: Int64)
    }

    func startOffset(for partition: TopicPartition, watermarks: (low: Int64, high: Int64), consumer: KafkaConsumer) throws -> Start {
        let (low, high) = watermarks
        let key = PartitionKey(instance: options.instance, topic: partition.topic, partition: partition.partition)
        if let stored = writer.position(of: key) {
            return Start(offset: stored, target: (high, stored))
        }
        switch options.start {
        case .earliest:
            return Start(offset: KafkaConsumer.beginning, target: (high, low))
        case .latest:
            return Start(offset: KafkaConsumer.end, target: (high, high))
        case .offset(let offset):
            let floor = min(max(offset, low), high)
            return Start(offset: offset, target: (high, floor))
        case .timestamp(let milliseconds):
            let found = try consumer.offsetsForTimes([partition: milliseconds], timeout: .seconds(10))[partition] ?? -1
            return Self.timestampStart(found: found, low: low, high: high)
        }
    }

    /// Where `--start timestamp:` begins, given the broker's offsets-for-times answer: the
    /// first offset at or after the time, or, for -1 (no message that late), the end, like
    /// Kafka's own tools.
    static func timestampStart(found: Int64, low: Int64, high: Int64) -> Start {
        let offset = found >= 0 ? found : high
        return Start(offset: offset, target: (high, min(max(offset, low), high)))
    }

    /// Every partition's watermarks, asked of the leaders several at a time: one round trip
    /// each, and a topic may have thousands of partitions.
    static func watermarks(of partitions: [TopicPartition], consumer: KafkaConsumer) throws -> [TopicPartition: (low: Int64, high: Int64)] {
        let results = Mutex<[TopicPartition: Result<(low: Int64, high: Int64), any Error>]>([:])
        // librdkafka's watermark query is thread-safe; the consumer is only read here.
        nonisolated(unsafe) let consumer = consumer
        let lanes = min(16, max(1, partitions.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: partitions.count, by: lanes) {
                let partition = partitions[index]
                let result = Result { try consumer.watermarks(partition, timeout: .seconds(10)) }
                results.withLock { $0[partition] = result }
            }
        }
        return try results.withLock { $0 }.mapValues { try $0.get() }
    }

    private func describe(_ partitions: [TopicPartition]) -> String {
        partitions.map { "\($0.topic)/\($0.partition)" }.sorted().joined(separator: ",")
    }
}

func sleep(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
