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
    /// The one clock of the run: what the writer stamps as ingest time, what compaction
    /// closes windows and applies retention by.
    let now: @Sendable () -> Int64
    let fatal = FirstError()
    /// Called with the archive once it is open (after the brokers answered), and again
    /// after each compaction pass that wrote window files. Set before `run`.
    public var onArchiveChanged: (@Sendable (Archive) -> Void)?

    public init(
        archive path: String, options: DumpOptions, archiveOptions: ArchiveOptions, logger: Logger,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds
    ) throws {
        try options.validate()
        self.now = now
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
        // Last, after the session's final commit: leaving the group revokes its partitions
        // through the session's rebalance callback, which finds nothing held.
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
        // Opened once the brokers answered, so that a dump that cannot connect leaves no
        // archive behind.
        let writer = try ArchiveWriter(
            at: path, options: ArchiveSizeLimit.segmentOptions(archiveOptions, maxArchiveBytes: options.maxArchiveBytes),
            logger: logger, now: now)
        onArchiveChanged?(writer.archive)
        let session = DumpSession(consumer: consumer, writer: writer, options: options, logger: logger, fatal: fatal)
        let compaction = try startCompaction(writer)
        var summary: DumpSummary
        do {
            if options.group == nil {
                try session.assignAll(partitions)
            } else {
                try session.subscribe()
            }
            summary = try session.consume(until: stop)
        } catch {
            // No compaction thread outlives a failed run.
            compaction?.stop()
            throw error
        }
        if let compaction {
            // With `untilCaughtUp` (which closing all needs), consuming ends caught up or
            // stopped. A stop requested, even as the dump caught up, asks to be quick, not
            // for the whole of every open window to be written.
            let closeAll = options.compaction?.closeAllWhenCaughtUp == true && !stop.isRequested
            summary.compaction = try compaction.finish(closeAll: closeAll)
        }
        return summary
    }

    /// Records the topics' window settings and starts compacting in the background.
    private func startCompaction(_ writer: ArchiveWriter) throws -> BackgroundCompaction? {
        guard let settings = options.compaction else { return nil }
        let compactor = try Compactor(writer: writer, now: now)
        // Before any pass: a target not yet recorded would let retention delete windows
        // it never received.
        for target in settings.targets { _ = try writer.archive.index.registerTarget(target, at: compactor.now()) }
        compactor.retention = settings.retention
        let topics = options.topics.map { (instance: options.instance, topic: $0) }
        try writer.archive.validate(settings.change, for: topics)
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
