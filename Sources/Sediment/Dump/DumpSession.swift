import Logging
import SedimentKafka

/// One run of `ArchiveDump` once the brokers answered: the consumer, the open archive, the
/// batches being filled, and the state machine that decides what to commit and when to stop.
///
/// A class because two paths share it on the dump's one thread: the poll loop, and the
/// rebalance callback that librdkafka runs inside `poll` (and `close`). The callback holds
/// the session until `close` drops it.
final class DumpSession {
    let consumer: KafkaConsumer
    /// Touched here only while no append runs: before the first flush, and after
    /// `appender.finish()`.
    let writer: ArchiveWriter
    let options: DumpOptions
    let logger: Logger
    let fatal: FirstError
    var appender: BatchAppender<DumpSummary>
    var machine: DumpStateMachine
    var wakeup = FetchWakeup()
    var sizeLimit: ArchiveSizeLimit?
    private var lagReported = ContinuousClock.now - .seconds(1)
    /// When the group's committed offsets may be asked for again after a failed ask.
    var groupOffsetsRetry = ContinuousClock.now
    static let groupOffsetsRetryDelay = Duration.seconds(5)
    private var lagReportedPartitions: Set<TopicPartition> = []
    static let pollSize = 10_000

    init(consumer: KafkaConsumer, writer: ArchiveWriter, options: DumpOptions, logger: Logger, fatal: FirstError) {
        self.consumer = consumer
        self.writer = writer
        self.options = options
        self.logger = logger
        self.fatal = fatal
        appender = BatchAppender(writer: writer, instance: options.instance, summary: DumpSummary())
        machine = DumpStateMachine(group: options.group != nil, untilCaughtUp: options.untilCaughtUp)
        sizeLimit = options.maxArchiveBytes.map { ArchiveSizeLimit(maxBytes: $0, archive: writer.archive) }
    }

    /// Consumes until `stop` is requested (or, with `untilCaughtUp`, until caught up), then
    /// writes and commits what it holds. The consumer is closed by the caller.
    func consume(until stop: DumpStop) throws -> DumpSummary {
        while !stop.isRequested {
            try sizeLimit?.check(
                partitions: Array(machine.assignedPartitions), consumer: consumer, taken: Int64(appender.summary.bytes + appender.byteCount), logger: logger)
            let polled = try consumer.poll(maxMessages: Self.pollSize, timeout: .milliseconds(100), until: { self.isBatchFull }) { message in
                try add(message)
            }
            wakeup.afterPoll(
                drained: polled < Self.pollSize && !isBatchFull && sizeLimit?.isPaused != true, partitions: machine.assignedPartitions,
                nextOffset: nextOffset,
                consumer: consumer)
            try checkResumes()
            if polled > 0 { PipelineMetrics.succeeded(.consume) }
            reportLag()
            if let error = fatal.error {
                throw SedimentError(.kafka, "Kafka: \(error.message) (\(error.name))", underlying: error)
            }
            if machine.nextLoopAction(nextOffset: nextOffset) == .stopCaughtUp {
                logger.info("caught up with the high watermarks", metadata: ["partitions": "\(machine.assignedPartitions.count)"])
                break
            }
            if isFlushDue { try flush() }
            commitDurable()
        }
        try flush()
        try appender.finish()
        commitDurable()
        return appender.summary
    }

    /// Each partition's lag behind the high watermark the last fetch brought, once a second:
    /// from the archive's next offset, or, for a partition it holds nothing of yet, from
    /// where the consumer fetches (a `latest` start). A partition this worker no longer
    /// owns reports 0: its new owner reports it.
    private func reportLag() {
        let now = ContinuousClock.now
        guard now - lagReported >= .seconds(1) else { return }
        lagReported = now
        let assigned = Set(machine.assignedPartitions)
        for partition in lagReportedPartitions.subtracting(assigned) {
            PipelineMetrics.lag(topic: partition.topic, partition: partition.partition, messages: 0)
        }
        lagReportedPartitions = assigned
        let fetching = (try? consumer.positions(Array(assigned))) ?? [:]
        for partition in assigned {
            guard let high = consumer.cachedHighWatermark(partition), high >= 0 else { continue }
            let known = appender.knownNextOffset(topic: partition.topic, partition: partition.partition)
            guard let next = known ?? fetching[partition].flatMap({ $0 >= 0 ? $0 : nil }) else { continue }
            PipelineMetrics.lag(topic: partition.topic, partition: partition.partition, messages: max(0, high - next))
        }
    }

    /// Asked by the poll before each message, so a batch ends at `batchBytes` (plus one
    /// message) rather than after a whole poll: a poll of `pollSize` 1 KiB messages added
    /// up to 10 MiB past it (1 GB dumped in 51 batches of 20 MiB at `--batch-bytes` 16 MiB,
    /// in 121 of 8 MiB at 1 MiB), and three batches are in memory at once (`AppendPipeline`).
    private var isBatchFull: Bool {
        appender.byteCount >= options.batchBytes
    }

    private var isFlushDue: Bool {
        guard let oldest = appender.oldestHeld else { return false }
        return appender.byteCount >= options.batchBytes || ContinuousClock.now - oldest >= options.linger
    }

    private func nextOffset(_ partition: TopicPartition) -> Int64 {
        appender.nextOffset(topic: partition.topic, partition: partition.partition)
    }

    private func add(_ message: KafkaMessageView) throws {
        let headers = message.headers().map { Header(name: $0.name, value: $0.value.map { Array($0) }) }
        try appender.withBatch(for: message.topic) { batch in
            batch.append(
                partition: message.partition, offset: message.offset, timestamp: message.timestamp,
                timestampType: TimestampType(message.timestampType), key: message.key, headers: headers, value: message.value)
        }
    }

    /// Hands what is held to the append thread; `commitDurable` later tells the consumer
    /// group how far the archive got.
    func flush() throws {
        let positions = try appender.flush()
        if !positions.isEmpty { machine.batchSubmitted(topicPartitions(positions)) }
    }

    /// Commits to the consumer group the offsets of what became durable in the archive.
    func commitDurable() {
        let durable = topicPartitions(appender.takeDurablePositions())
        if let action = machine.positionsDurable(durable) { perform(action) }
    }

    func perform(_ action: DumpStateMachine.CommitAction) {
        switch action {
        case .commit(let offsets):
            if commit(offsets) {
                machine.commitSucceeded(offsets)
            } else {
                machine.commitRefused(offsets)
            }
        case .commitBeforeRevoke(let offsets):
            // One short attempt: the group waits for the revoke callback to return.
            if !commit(offsets, timeout: .seconds(3)) {
                logger.warning("the group refused the offsets of revoked partitions; their next owner may archive some messages again")
            }
        }
    }

    /// Commits `offsets` to the group; false (with a warning) when the group refused.
    private func commit(_ offsets: [TopicPartition: Int64], timeout: Duration = .seconds(10)) -> Bool {
        do {
            try consumer.commit(offsets, timeout: timeout)
            return true
        } catch {
            // The archive, not the group, is the source of truth: a failed commit only
            // leaves lag tools behind until the next one.
            logger.warning("cannot commit offsets to the consumer group: \(error)")
            return false
        }
    }

    /// The dump's own instance only: it appends nothing else.
    func topicPartitions(_ positions: [PartitionKey: Int64]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for (key, next) in positions where key.instance == options.instance {
            offsets[TopicPartition(topic: key.topic, partition: key.partition)] = next
        }
        return offsets
    }
}
