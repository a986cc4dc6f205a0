import Foundation
import Logging
import SedimentKafka

/// How a replay sends.
public struct ReplayOptions: Sendable {
    public var brokers: String
    /// librdkafka settings for the target cluster (security, say); never recorded.
    public var kafkaOptions: [String: String] = [:]
    /// Default: the source topic's name.
    public var targetTopic: String?
    public var partitioning: ReplayRecord.Partitioning = .same
    /// Messages per second at most; nil for as fast as the target takes them.
    public var rate: Int?
    /// Adds `sediment.source.topic`, `.partition`, `.offset` and `.timestamp` headers.
    public var sourceHeaders = false
    /// Only the messages it keeps are sent.
    public var filter: MessageFilter?
    /// Creates a missing target topic with the source's partition count (and the brokers'
    /// default replication); without it a missing topic is an error.
    public var createTopic = false
    /// Sends through a transactional producer (`transactional.id` from the replay's id),
    /// committing at each checkpoint: a resume fences every earlier run of the replay, so a
    /// write still in flight when a run died cannot land after the resume looked at the
    /// target, and what a dead run had not committed is aborted. Consumers of the target
    /// then need `isolation.level=read_committed` (librdkafka's default; the Java client's
    /// is read_uncommitted) to see each message once after a crash. Off, for clusters
    /// without transactions, the producer is idempotent only. Default on.
    public var transactional = true
    /// How often acknowledgements are recorded in the offset map (and a transaction
    /// committed). Default 1 s.
    public var recordEvery: Duration = .seconds(1)

    public init(brokers: String) { self.brokers = brokers }
}

/// Replays a time range of an archived topic into Kafka: each message with its key, value,
/// headers and timestamp (as CreateTime), one source partition after another in offset
/// order, through an idempotent producer with `acks=all` (and by default in transactions,
/// committed every `recordEvery`), waiting for every delivery report. Acknowledged (and
/// committed) messages go into the offset map (`replay_runs`) as they come; a replay cut
/// short resumes from it, after fencing the run before it and finding in the target what
/// was delivered and not yet recorded, so that no message is sent twice.
public final class Replayer {
    public let archive: Archive
    private let bucket: BucketSession?
    private let logger: Logger
    private let now: @Sendable () -> Int64

    public init(archive: Archive, bucket: BucketSession? = nil, logger: Logger, now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) {
        self.archive = archive
        self.bucket = bucket
        self.logger = logger
        self.now = now
    }

    /// Per source partition, what a replay of the range would send.
    public func plan(instance: String, topic: String, range: Range<Int64>, filter: MessageFilter? = nil) throws -> [ReplayPlanPartition] {
        var partitions: [Int32: ReplayPlanPartition] = [:]
        try ReplaySource(archive: archive, instance: instance, topic: topic, range: range, bucket: bucket, filter: filter).forEach { message in
            var entry = partitions[message.partition] ?? ReplayPlanPartition(partition: message.partition)
            entry.messages += 1
            entry.bytes += Int64((message.key?.count ?? 0) + (message.value?.count ?? 0))
            entry.minTimestamp = min(entry.minTimestamp ?? message.timestamp, message.timestamp)
            entry.maxTimestamp = max(entry.maxTimestamp ?? message.timestamp, message.timestamp)
            partitions[message.partition] = entry
        }
        return partitions.values.sorted { $0.partition < $1.partition }
    }

    /// Starts a new replay of the range.
    public func start(
        instance: String, topic: String, range: Range<Int64>, options: ReplayOptions,
        progress: ((ReplayProgress) -> Void)? = nil
    ) throws -> ReplaySummary {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        let target = options.targetTopic ?? topic
        let configuration = producerConfiguration(brokers: options.brokers, options.kafkaOptions)
        let partitions = try targetPartitions(
            target, configuration: configuration, brokers: options.brokers,
            creating: options.createTopic ? try sourcePartitionCount(instance: instance, topic: topic) : nil)
        if options.partitioning == .same {
            let highest = try archive.index.offsetSpans(instance: instance, topic: topic, range: range).keys.max()
            if let highest, Int(highest) >= partitions.count {
                throw SedimentError(
                    .invalidArgument,
                    "the target topic '\(target)' has \(partitions.count) partitions, and `partitioning` same needs partition \(highest) of '\(topic)': "
                        + "create it with at least \(highest + 1), or choose key or round-robin",
                    context: ["topic": target])
            }
        }
        let starts = try endOffsets(target, partitions: partitions, configuration: configuration)
        let time = now()
        let replay = ReplayRecord(
            id: "r-" + (0..<4).map { _ in UInt8.random(in: .min ... .max) }.hexString, instance: instance, topic: topic,
            from: range.lowerBound, to: range.upperBound, targetTopic: target, brokers: options.brokers,
            partitioning: options.partitioning, sourceHeaders: options.sourceHeaders, transactional: options.transactional,
            filter: options.filter.flatMap { $0.isEmpty ? nil : $0 }, targetPartitions: partitions.count,
            messages: 0, acknowledged: 0, state: .running, error: nil, createdAt: time, updatedAt: time)
        try archive.index.createReplay(replay, targets: starts)
        logger.info("replay started", metadata: ["replay": "\(replay.id)", "topic": "\(topic)", "target": "\(target)"])
        return try run(replay, options: options, configuration: configuration, tailFrom: nil, done: [:], progress: progress)
    }

    /// Continues a replay after the last message the target acknowledged, from what the
    /// archive recorded of it; `brokers` and `kafkaOptions` are given again.
    public func resume(
        id: String, brokers: String? = nil, kafkaOptions: [String: String] = [:], rate: Int? = nil,
        progress: ((ReplayProgress) -> Void)? = nil
    ) throws -> ReplaySummary {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        guard var replay = try archive.index.replays(id: id).first else {
            throw SedimentError(.notFound, "the archive has no replay '\(id)' (`sediment replay --list` shows them)", context: ["replay": id])
        }
        var options = ReplayOptions(brokers: brokers ?? replay.brokers)
        options.kafkaOptions = kafkaOptions
        options.targetTopic = replay.targetTopic
        options.partitioning = replay.partitioning
        options.sourceHeaders = replay.sourceHeaders
        options.rate = rate
        replay.brokers = options.brokers
        let configuration = producerConfiguration(brokers: options.brokers, kafkaOptions)
        let runs = try archive.index.replayRuns(id: id)
        var from = try archive.index.replayTargets(id: id)
        for run in runs { from[run.targetPartition] = max(from[run.targetPartition] ?? 0, run.targetLast + 1) }
        try archive.index.setReplayState(id: id, .running, error: nil, now: now())
        logger.info("replay resumed", metadata: ["replay": "\(id)", "acknowledged": "\(replay.acknowledged)"])
        return try run(
            replay, options: options, configuration: configuration, tailFrom: from,
            done: Dictionary(grouping: runs) { SIMD2($0.sourcePartition, $0.targetPartition) }, progress: progress)
    }

    /// One sending replay per archive at a time: two resumes of one replay would each send
    /// what the other has not recorded yet.
    private func lock() throws -> ArchiveLock {
        try ArchiveLock(path: archive.layout.root + "/sediment.replay.lock", holder: "replay (sediment replay)")
    }

    private func run(
        _ replay: ReplayRecord, options: ReplayOptions, configuration: [String: String], tailFrom: [Int32: Int64]?,
        done: [SIMD2<Int32>: [ReplayRun]], progress: ((ReplayProgress) -> Void)?
    ) throws -> ReplaySummary {
        let recorder = OffsetMapRecorder()
        let index = archive.index
        var configuration = configuration
        if replay.transactional {
            configuration["transactional.id"] = "sediment-\(try index.archiveID())-\(replay.id)"
        }
        let producer = try KafkaProducer(configuration: configuration, onDelivery: { recorder.delivered($0) })
        let transaction = replay.transactional ? ReplayTransaction(producer: producer, recorder: recorder) : nil
        var summary = ReplaySummary(replay: replay)
        var sequence = 0
        var sent = 0
        let clock = ContinuousClock()
        var lastRecord = clock.now
        // Runs a failed write took out of the recorder are lost: after one, nothing more is
        // recorded, so that the map stays a prefix of what was delivered.
        var recordFailed = false
        func record() throws {
            guard !recordFailed else { return }
            let (runs, acknowledged) = recorder.drain()
            do {
                if acknowledged > 0 { try index.recordReplayRuns(id: replay.id, runs, acknowledged: acknowledged, now: now()) }
            } catch {
                recordFailed = true
                throw error
            }
            progress?(ReplayProgress(sent: sent, acknowledged: sent - producer.outstanding))
        }
        /// What the target acknowledged (and, in a transaction, committed) goes into the map.
        func checkpoint() throws {
            if let transaction { try transaction.commit(andBegin: true) } else { producer.poll() }
            try record()
            lastRecord = clock.now
        }
        do {
            // The tail is read after the fence: what a dead run left uncommitted is aborted
            // by then, and none of its writes can still land.
            try transaction?.start()
            let tail = try tailFrom.map {
                try TargetTail(topic: replay.targetTopic, from: $0, configuration: configuration.filter { !Self.producerOnly.contains($0.key) })
            }
            try transaction?.begin()
            let partitioner = ReplayPartitioner(partitioning: replay.partitioning, partitions: replay.targetPartitions)
            let started = clock.now
            try ReplaySource(
                archive: archive, instance: replay.instance, topic: replay.topic, range: replay.from..<replay.to, bucket: bucket,
                filter: replay.filter
            ).forEach { message in
                defer { sequence += 1 }
                let partition = partitioner.partition(of: message)
                if Self.isDone(message, in: done[SIMD2(message.partition, partition)] ?? []) {
                    summary.skipped += 1
                    return
                }
                let body = ReplayRecordBody(message, topic: replay.topic, sourceHeaders: replay.sourceHeaders)
                if let tail, let offset = try tail.claim(partition, ReplayFingerprint(body)) {
                    recorder.found(message, bytes: body.bytes, target: partition, offset: offset)
                    summary.foundInTarget += 1
                    return
                }
                if let failure = recorder.failure { throw failure }
                if let rate = options.rate, rate > 0 {
                    // Waiting serves delivery reports, so a slow replay still records as it goes.
                    let due = started + .seconds(Double(sent) / Double(rate))
                    while due > clock.now { producer.poll(timeout: min(due - clock.now, .milliseconds(100))) }
                    if clock.now - lastRecord >= options.recordEvery { try checkpoint() }
                }
                try producer.produce(
                    topic: replay.targetTopic, partition: partition, key: body.key, value: body.value, headers: body.headers,
                    timestamp: body.timestamp, opaque: try OffsetMapRecorder.opaque(of: message))
                sent += 1
                if body.timestamp == 0 { summary.zeroTimestamps += 1 }
                // The clock every hundred messages: reading it for each costs more than the check.
                if sent % 100 == 0, clock.now - lastRecord >= options.recordEvery { try checkpoint() }
            }
            if let tail, let extra = tail.unclaimed.first {
                throw SedimentError(
                    .invalidInput,
                    "partition \(extra.partition) of the target topic '\(replay.targetTopic)' holds records from offset \(extra.offset) that this replay did not send",
                    context: ["partition": "\(extra.partition)", "offset": "\(extra.offset)"])
            }
            if let transaction {
                try transaction.commit(andBegin: false)
            } else {
                while producer.outstanding > 0 {
                    do {
                        try producer.flush(timeout: .seconds(30))
                    } catch let error as KafkaError where error.name == "_TIMED_OUT" {
                        try record()
                        continue
                    }
                    try record()
                }
            }
            if let failure = recorder.failure { throw failure }
            try record()
            try index.setReplayState(id: replay.id, .done, error: nil, messages: sequence, now: now())
            if summary.zeroTimestamps > 0 {
                logger.warning("messages with timestamp 0 were sent with the time of sending", metadata: [
                    "replay": "\(replay.id)", "messages": "\(summary.zeroTimestamps)",
                ])
            }
        } catch {
            if let transaction {
                transaction.abandon()
            } else {
                try? producer.flush(timeout: .seconds(30))
                try? record()
            }
            try? index.setReplayState(id: replay.id, .failed, error: "\(error)", now: now())
            throw error
        }
        summary.partitions = recorder.targets
        summary.replay = try index.replays(id: replay.id).first ?? replay
        return summary
    }

    /// Whether an earlier run's acknowledgement covers the message: `runs` are those of its
    /// source partition into the target partition it goes to, by source offset. Delivery
    /// into one target partition keeps order, so a run covers every message of its span
    /// that went there.
    static func isDone(_ message: Message, in runs: [ReplayRun]) -> Bool {
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].sourceLast < message.offset { low = middle + 1 } else { high = middle }
        }
        return low < runs.count && runs[low].sourceFirst <= message.offset
    }

    private func producerConfiguration(brokers: String, _ kafkaOptions: [String: String]) -> [String: String] {
        var configuration = [
            "bootstrap.servers": brokers,
            "linger.ms": "20",
            "batch.size": "1000000",
            "queue.buffering.max.kbytes": "262144",
            // A topic that does not exist is an error, never created by a metadata request.
            "allow.auto.create.topics": "false",
        ].merging(kafkaOptions) { _, user in user }
        // What exactly-once rests on, whatever the options say: retries never duplicate or
        // reorder within a partition, and a message lost past its retries stops the
        // producer rather than leave a gap later messages close over.
        configuration["enable.idempotence"] = "true"
        configuration["acks"] = "all"
        configuration["enable.gapless.guarantee"] = "true"
        return configuration
    }

    /// The target topic's partitions; with `creating`, a missing topic is created with that
    /// many first.
    private func targetPartitions(_ topic: String, configuration: [String: String], brokers: String, creating: Int32?) throws -> [Int32] {
        let probe = try KafkaProducer(configuration: configuration)
        do {
            return try probe.partitions(of: topic, timeout: .seconds(30))
        } catch let error as KafkaError where error.name == "UNKNOWN_TOPIC_OR_PART" || error.name == "_UNKNOWN_TOPIC" {
            guard let creating else {
                throw SedimentError(
                    .notFound,
                    "the target topic '\(topic)' does not exist on the Kafka cluster at \(brokers): create it first, or give `createTopic`",
                    context: ["topic": topic], underlying: error)
            }
            do {
                try probe.createTopic(topic, partitions: creating, timeout: .seconds(30))
            } catch let error as KafkaError where error.name == "_TIMED_OUT" {
                // A cluster without the CreateTopics API (librdkafka's mock cluster, some
                // Kafka-compatible services) never answers the request.
                throw SedimentError(
                    .kafkaUnreachable,
                    "the cluster at \(brokers) did not answer the request to create '\(topic)' within 30 s; if it does not support "
                        + "CreateTopics, create the topic with \(creating) partitions with its own tools, then replay without `createTopic`",
                    context: ["topic": topic], underlying: error)
            }
            logger.info("created the target topic", metadata: ["topic": "\(topic)", "partitions": "\(creating)"])
            for _ in 0..<50 {
                if let partitions = try? probe.partitions(of: topic, timeout: .seconds(5)), partitions.count == Int(creating) { return partitions }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return try probe.partitions(of: topic, timeout: .seconds(30))
        } catch let error as KafkaError {
            throw SedimentError(.kafkaUnreachable, "cannot read the metadata of '\(topic)' at \(brokers): \(error)", underlying: error)
        }
    }

    /// One more than the highest partition the archive holds of the topic.
    private func sourcePartitionCount(instance: String, topic: String) throws -> Int32 {
        let highest = try archive.index.offsetSpans(instance: instance, topic: topic, range: Int64.min..<Int64.max).keys.max()
        return (highest ?? 0) + 1
    }

    private func endOffsets(_ topic: String, partitions: [Int32], configuration: [String: String]) throws -> [Int32: Int64] {
        let consumer = try KafkaConsumer(configuration: configuration.filter { !Self.producerOnly.contains($0.key) })
        defer { consumer.close() }
        var ends: [Int32: Int64] = [:]
        for partition in partitions {
            ends[partition] = try consumer.watermarks(TopicPartition(topic: topic, partition: partition), timeout: .seconds(30)).high
        }
        return ends
    }

    static let producerOnly: Set<String> = [
        "enable.idempotence", "acks", "enable.gapless.guarantee", "linger.ms", "batch.size", "queue.buffering.max.kbytes",
        "transactional.id", "transaction.timeout.ms",
    ]
}

/// How far a replay got: sent, and of those acknowledged.
public struct ReplayProgress: Sendable {
    public var sent: Int
    public var acknowledged: Int
}
