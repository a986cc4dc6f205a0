import Logging
import SedimentKafka
import Synchronization

/// Consumes Kafka topics into an archive, exactly once into the store: the archive's
/// stored positions decide where each partition resumes, and a message's offset is
/// committed to the consumer group only after the message is durable in the archive.
///
/// `run` blocks its thread (librdkafka's poll and the writer's fsyncs are blocking);
/// another thread asks it to stop through `DumpStop`.
public final class ArchiveDump {
    public let options: DumpOptions
    let path: String
    let archiveOptions: ArchiveOptions
    let logger: Logger
    var consumer: KafkaConsumer?
    /// Opened once the brokers answered, so that a dump that cannot connect leaves no
    /// archive behind.
    var writer: ArchiveWriter!
    var pending: PendingBatches!
    /// Appends on a thread of its own while this one keeps polling; the writer is touched
    /// here only after `pipeline.finish()`.
    var pipeline: AppendPipeline!
    /// Durable positions the group has not accepted yet.
    var uncommitted: [PartitionKey: Int64] = [:]
    var summary = DumpSummary()
    var oldestPending: ContinuousClock.Instant?
    /// Per assigned partition: the high watermark when it was assigned, and the first
    /// offset there is to read (`--until-caught-up` stops once every partition passed both).
    var targets: [TopicPartition: (high: Int64, floor: Int64)] = [:]
    /// Group mode: whether the group has assigned this member anything yet (maybe nothing).
    var assigned = false
    /// Group mode: assigned partitions whose resume offsets are still to be read.
    var uncheckedCommits: Set<TopicPartition> = []
    let fatal = FirstError()
    var wakeup = FetchWakeup()
    /// Called with the archive once it is open (after the brokers answered), and again
    /// after each compaction pass that wrote window files. Set before `run`.
    public var onArchiveChanged: (@Sendable (Archive) -> Void)?
    static let pollSize = 10_000

    public init(archive path: String, options: DumpOptions, archiveOptions: ArchiveOptions, logger: Logger) throws {
        try options.validate()
        try ArchiveWriter.check(ArchiveLayout(root: path), options: archiveOptions)
        self.options = options
        self.path = path
        self.archiveOptions = archiveOptions
        self.logger = logger
    }

    /// Consumes until `stop` is requested (or, with `untilCaughtUp`, until caught up), then
    /// writes and commits what it holds and closes the consumer.
    public func run(stop: DumpStop) throws -> DumpSummary {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration())
        self.consumer = consumer
        defer { consumer.close() }
        consumer.onError = { [logger, fatal] error in
            if error.isFatal {
                fatal.record(error)
            } else {
                logger.warning("Kafka: \(error.message)", metadata: ["code": "\(error.name)"])
            }
        }
        // What `--kafka-option debug=fetch,...` asks of librdkafka, seen with --log-level debug.
        // Its warnings and errors are left out here: they reach onError.
        consumer.onLog = { [logger] line in
            guard line.level >= 6 else { return }
            logger.debug("librdkafka \(line.facility): \(line.message)")
        }
        let partitions = try connect(consumer, stop: stop)
        writer = try ArchiveWriter(at: path, options: archiveOptions, logger: logger)
        onArchiveChanged?(writer.archive)
        pending = PendingBatches(writer: writer, instance: options.instance)
        pipeline = AppendPipeline(writer: writer)
        let compaction = try startCompaction()
        if options.group == nil {
            try assignAll(partitions, consumer: consumer)
        } else {
            try subscribe(consumer)
        }
        while !stop.isRequested {
            let polled = try consumer.poll(maxMessages: Self.pollSize, timeout: .milliseconds(100)) { message in
                try add(message)
            }
            wakeup.afterPoll(
                drained: polled < Self.pollSize, partitions: targets.keys,
                nextOffset: { pending.nextOffset(topic: $0.topic, partition: $0.partition) }, consumer: consumer)
            try checkResumePositions(consumer)
            if let error = fatal.error {
                throw SedimentError(.kafka, "Kafka: \(error.message) (\(error.name))", underlying: error)
            }
            if options.untilCaughtUp && isCaughtUp {
                logger.info("caught up with the high watermarks", metadata: ["partitions": "\(targets.count)"])
                break
            }
            if isFlushDue { try flush() }
            commitDurable()
        }
        try flush()
        try pipeline.finish()
        commitDurable()
        if let compaction { summary.compaction = try compaction.finish() }
        return summary
    }

    /// Records the topics' window settings and starts compacting in the background.
    private func startCompaction() throws -> BackgroundCompaction? {
        guard let settings = options.compaction else { return nil }
        let compactor = try Compactor(writer: writer)
        // Before any pass: a target not yet recorded would let retention delete windows
        // it never received.
        for target in settings.targets { _ = try writer.archive.index.register(target, at: compactor.now()) }
        compactor.retention = settings.retention
        let topics = options.topics.map { (instance: options.instance, topic: $0) }
        for (instance, topic) in topics { try compactor.configure(instance: instance, topic: topic, settings.change) }
        var onWindowsWritten: (@Sendable () -> Void)?
        if let changed = onArchiveChanged {
            let archive = writer.archive
            onWindowsWritten = { changed(archive) }
        }
        let compaction = BackgroundCompaction(
            compactor: compactor, topics: topics, interval: settings.interval, logger: logger, onWindowsWritten: onWindowsWritten)
        compaction.start()
        return compaction
    }

    private var isFlushDue: Bool {
        guard let oldestPending else { return false }
        return pending.byteCount >= options.batchBytes || ContinuousClock.now - oldestPending >= options.linger
    }

    private var isCaughtUp: Bool {
        guard options.group == nil || assigned else { return false }
        return targets.allSatisfy { partition, target in
            let position = pending.nextOffset(topic: partition.topic, partition: partition.partition)
            return max(position, target.floor) >= target.high
        }
    }

    private func add(_ message: KafkaMessageView) throws {
        let headers = message.headers().map { Header(name: $0.name, value: $0.value.map { Array($0) }) }
        try pending.withBatch(for: message.topic) { batch in
            batch.append(
                partition: message.partition, offset: message.offset, timestamp: message.timestamp,
                timestampType: TimestampType(message.timestampType), key: message.key, headers: headers, value: message.value)
        }
        if oldestPending == nil { oldestPending = .now }
    }

    /// Hands what is pending to the append thread; `commitDurable` later tells the
    /// consumer group how far the archive got.
    func flush() throws {
        oldestPending = nil
        guard pending != nil else { return }
        let batches: [RecordBatch] = pending!.take()
        guard !batches.isEmpty else { return }
        var counted = summary
        counted.count(batches)
        try pipeline.submit(batches)
        summary = counted
    }

    /// Commits to the consumer group the offsets of what became durable in the archive.
    /// Offsets the group refused (during a rebalance, say) are kept for the next attempt.
    func commitDurable() {
        guard options.group != nil, let pipeline else { return }
        let durable = uncommitted.merging(pipeline.takeDurablePositions()) { max($0, $1) }
        uncommitted = [:]
        guard !durable.isEmpty else { return }
        if !commit(durable) { uncommitted = durable }
    }

    /// Commits `positions` to the group; false (with a warning) when the group refused.
    @discardableResult
    func commit(_ positions: [PartitionKey: Int64], timeout: Duration = .seconds(10)) -> Bool {
        guard let consumer else { return false }
        var offsets: [TopicPartition: Int64] = [:]
        for (key, next) in positions { offsets[TopicPartition(topic: key.topic, partition: key.partition)] = next }
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
}

/// The first fatal error librdkafka reported, from whichever thread reported it.
final class FirstError: Sendable {
    private let value = Mutex<KafkaError?>(nil)

    var error: KafkaError? { value.withLock { $0 } }

    func record(_ error: KafkaError) {
        value.withLock { $0 = $0 ?? error }
    }
}

/// A request to stop a running `ArchiveDump`, safe to make from any thread.
public final class DumpStop: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public var isRequested: Bool { requested.load(ordering: .acquiring) }

    public func request() { requested.store(true, ordering: .releasing) }
}

extension TimestampType {
    init(_ type: KafkaTimestampType) {
        switch type {
        case .notAvailable: self = .notAvailable
        case .createTime: self = .createTime
        case .logAppendTime: self = .logAppendTime
        }
    }
}
