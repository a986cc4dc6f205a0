import Logging
import SedimentKafka

/// Where a consumer group's committed offsets on the source come from.
public enum SourceOffsets: Sendable {
    /// Read from the source cluster, without joining the group.
    case cluster(brokers: String, kafkaOptions: [String: String] = [:])
    /// Given per source partition: the next offset the group would read there.
    case given([Int32: Int64])
}

/// Translates a consumer group's position on the source cluster into the target's,
/// through a replay's offset map (`OffsetTranslation` says how), and commits it there.
public struct OffsetTranslator {
    public let archive: Archive
    private let bucket: BucketSession?
    private let logger: Logger

    /// - Parameter bucket: where the replay's messages are read from when the archive holds
    ///   them only there: translating an offset inside a run of the map that skips source
    ///   offsets counts the replayed messages before it.
    public init(archive: Archive, bucket: BucketSession? = nil, logger: Logger) {
        self.archive = archive
        self.bucket = bucket
        self.logger = logger
    }

    /// The plan: where `group`'s committed offsets land on the replay's target topic.
    public func plan(replay id: String, group: String, source: SourceOffsets) throws -> OffsetTranslation {
        guard !group.isEmpty else { throw SedimentError(.invalidArgument, "`group` is empty: name the consumer group to translate") }
        guard let replay = try archive.index.replays(id: id).first else {
            throw SedimentError(.notFound, "the archive has no replay '\(id)' (`sediment replay --list` shows them)", context: ["replay": id])
        }
        // The map of an unfinished replay is exact only for what was acknowledged: what a
        // resume sends later would land after the translated positions and be read twice.
        guard replay.state == .done else {
            throw SedimentError(
                .invalidInput,
                "replay \(id) has not finished (\(replay.state.rawValue), \(replay.acknowledged) messages acknowledged): "
                    + "what it has still to send would land after the translated positions; finish it first (`sediment replay --resume \(id)`)",
                context: ["replay": id])
        }
        let runs = try archive.index.replayRuns(id: id)
        let partitions = Array(Set(runs.map(\.sourcePartition))).sorted()
        let committed: [Int32: Int64]
        switch source {
        case .given(let offsets):
            if let negative = offsets.first(where: { $0.key < 0 || $0.value < 0 }) {
                throw SedimentError(
                    .invalidArgument, "`sourceOffsets` holds \(negative.key):\(negative.value): partitions and offsets are 0 or more")
            }
            committed = offsets
        case .cluster(let brokers, let kafkaOptions):
            committed = try readCommitted(group: group, topic: replay.topic, partitions: partitions, brokers: brokers, kafkaOptions)
        }
        let splits = CommittedSplit.split(runs, at: committed, below: try countsBelow(runs, committed: committed, replay: replay))
        return try OffsetTranslation(
            replay: replay, group: group, committed: committed, splits: splits, starts: try archive.index.replayTargets(id: id))
    }

    /// Commits the plan's positions for its group on the target cluster, all in one request.
    ///
    /// Refused while the group has members there, and by the broker itself: the commit goes
    /// out as from a client outside the group (generation -1, no member id), which a group
    /// coordinator accepts only while the group has no members, answering UNKNOWN_MEMBER_ID
    /// otherwise (REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION mid-rebalance) for the whole
    /// request. Check and commit are one request, so no consumer can join between them, as
    /// one could after a separate DescribeGroups. (librdkafka 2.0.2's mock cluster answers
    /// DescribeGroups "not supported", and keeps a group whose members all left, refusing
    /// such commits for good, where a broker accepts them.)
    ///
    /// - Parameter brokers: the target cluster; nil for the brokers the replay sent to.
    public func execute(_ translation: OffsetTranslation, brokers: String? = nil, kafkaOptions: [String: String] = [:]) throws -> OffsetTranslation {
        let brokers = try brokers ?? archive.index.replays(id: translation.replay).first?.brokers ?? ""
        guard !translation.positions.isEmpty else {
            throw SedimentError(
                .notFound,
                "nothing to commit: group '\(translation.group)' has no committed offset on any source partition replay \(translation.replay) sent messages from",
                context: ["replay": translation.replay])
        }
        let offsets = Dictionary(uniqueKeysWithValues: translation.positions.map {
            (TopicPartition(topic: translation.targetTopic, partition: $0.partition), $0.offset)
        })
        do {
            let consumer = try KafkaConsumer(configuration: configuration(brokers: brokers, group: translation.group, kafkaOptions))
            defer { consumer.close() }
            try consumer.commit(offsets, timeout: .seconds(30))
        } catch let error as KafkaError where Self.memberCodes.contains(error.name) {
            throw SedimentError(
                .groupActive,
                "group '\(translation.group)' has active members on the cluster at \(brokers) (the broker refused a commit from outside the group: \(error.name)): "
                    + "stop its consumers, then run again; nothing was committed",
                context: ["group": translation.group], underlying: error)
        } catch let error as KafkaError {
            throw SedimentError(
                error.isRetriable ? .kafkaUnreachable : .kafka,
                "cannot commit group '\(translation.group)''s offsets on '\(translation.targetTopic)' at \(brokers): \(error)",
                context: ["group": translation.group], underlying: error)
        }
        logger.info("translated offsets committed", metadata: [
            "replay": "\(translation.replay)", "group": "\(translation.group)", "partitions": "\(offsets.count)",
        ])
        var committed = translation
        committed.committedOn = brokers
        return committed
    }

    /// For each run that skips source offsets and holds the committed offset of its source
    /// partition: how many of its messages come before that offset. Counted by reading the
    /// replay's messages again, as it read them (filter, partitioner), in one pass.
    private func countsBelow(_ runs: [ReplayRun], committed: [Int32: Int64], replay: ReplayRecord) throws -> [ReplayRun: Int64] {
        var straddling: [SIMD2<Int32>: (run: ReplayRun, committed: Int64)] = [:]
        for run in runs where !run.isDense {
            guard let offset = committed[run.sourcePartition], run.sourceFirst < offset, offset <= run.sourceLast else { continue }
            straddling[SIMD2(run.sourcePartition, run.targetPartition)] = (run, offset)
        }
        guard !straddling.isEmpty else { return [:] }
        var counts: [ReplayRun: Int64] = [:]
        let partitioner = ReplayPartitioner(partitioning: replay.partitioning, partitions: replay.targetPartitions)
        try ReplaySource(
            archive: archive, instance: replay.instance, topic: replay.topic, range: replay.from..<replay.to, bucket: bucket,
            filter: replay.filter, partitions: Set(straddling.keys.map { $0[0] })
        ).forEach { message in
            guard let (run, offset) = straddling[SIMD2(message.partition, partitioner.partition(of: message))],
                run.sourceFirst <= message.offset, message.offset < offset
            else { return }
            counts[run, default: 0] += 1
        }
        return counts
    }

    static let memberCodes: Set<String> = ["UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION"]

    /// OffsetFetch through a consumer that is configured with the group and never
    /// subscribes, so it reads the offsets without joining (and rebalancing) the group.
    private func readCommitted(
        group: String, topic: String, partitions: [Int32], brokers: String, _ kafkaOptions: [String: String]
    ) throws -> [Int32: Int64] {
        do {
            let consumer = try KafkaConsumer(configuration: configuration(brokers: brokers, group: group, kafkaOptions))
            defer { consumer.close() }
            let offsets = try consumer.committed(partitions.map { TopicPartition(topic: topic, partition: $0) }, timeout: .seconds(30))
            return Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.partition, $0.value) })
        } catch let error as KafkaError {
            throw SedimentError(
                error.isRetriable ? .kafkaUnreachable : .kafka,
                "cannot read group '\(group)''s committed offsets of '\(topic)' at \(brokers): \(error)",
                context: ["group": group, "topic": topic], underlying: error)
        }
    }

    private func configuration(brokers: String, group: String, _ kafkaOptions: [String: String]) -> [String: String] {
        ["bootstrap.servers": brokers, "allow.auto.create.topics": "false"]
            .merging(kafkaOptions) { _, user in user }
            .merging(["group.id": group]) { _, group in group }
    }
}
