import Dispatch
import Logging
import SedimentKafka
import Synchronization

extension DumpSession {
    /// Without a group: every partition, each from its stored position or from `--start`.
    func assignAll(_ partitions: [String: [Int32]]) throws {
        let all = options.topics.flatMap { topic in (partitions[topic] ?? []).map { TopicPartition(topic: topic, partition: $0) } }
        let watermarks = try Self.watermarks(of: all, consumer: consumer)
        var assignment: [(TopicPartition, offset: Int64)] = []
        var targets: [TopicPartition: DumpStateMachine.CatchUpTarget] = [:]
        for key in all {
            let start = try startOffset(for: key, watermarks: watermarks[key]!)
            assignment.append((key, offset: start.offset))
            targets[key] = start.target
        }
        machine.assigned(targets)
        try consumer.assign(assignment)
        logger.info("assigned \(assignment.count) partitions", metadata: ["topics": "\(options.topics.joined(separator: ","))"])
    }

    /// With a group: the group decides which partitions this process gets; each resumes
    /// from the archive's stored position (the archive is the source of truth: expired or
    /// reset group offsets do not move it), else from the group's committed offset, else
    /// `--start`.
    func subscribe() throws {
        // Held strongly: `close` runs the last revoke through this closure, then drops it.
        try consumer.subscribe(options.topics) { [self] event in
            do {
                return try rebalance(event)
            } catch {
                logger.error("rebalance failed: \(error)")
                fatal.record(KafkaError(code: -1, name: "_REBALANCE", message: "\(error)", isFatal: true, isRetriable: false))
                return nil
            }
        }
    }

    private func rebalance(_ event: RebalanceEvent) throws -> [TopicPartition: Int64]? {
        switch event {
        case .revoked(let partitions):
            switch machine.revokeStarted(partitions, holdsMessages: appender.holdsMessages) {
            case .flushAndWait:
                try flush()
                try appender.finish()
            case .drained:
                break
            }
            let revoked = Set(partitions)
            let stored = topicPartitions(writer.positions).filter { revoked.contains($0.key) }
            if let action = machine.revokeDrained(durable: topicPartitions(appender.takeDurablePositions()), stored: stored) {
                perform(action)
            }
            logger.info("partitions revoked", metadata: ["partitions": "\(describe(partitions))"])
            return nil
        case .assigned(let partitions):
            // The stored positions are read below: no append may be running.
            try appender.finish()
            let watermarks = try Self.watermarks(of: partitions, consumer: consumer)
            var targets: [TopicPartition: DumpStateMachine.CatchUpTarget] = [:]
            var resumes: [TopicPartition: Int64] = [:]
            for partition in partitions {
                let start = try startOffset(for: partition, watermarks: watermarks[partition]!)
                targets[partition] = start.target
                if start.isArchivePosition { resumes[partition] = start.offset }
            }
            // Where each partition really resumes is known once its fetch starts, and what
            // the group had committed once asked; the loop then refines the caught-up
            // targets and what may be committed (`checkResumes`).
            machine.assigned(targets, archivePositions: resumes)
            logger.info("partitions assigned", metadata: ["partitions": "\(describe(partitions))"])
            // A partition the archive holds resumes from its position, whatever the group
            // has: the group's offsets may have expired, or been reset, and another worker
            // that took the group further keeps what it archived in its own archive. The
            // others start from the group's committed offset, else auto.offset.reset.
            return resumes
        }
    }

    /// Raises the caught-up floor of newly assigned partitions to where their fetch
    /// resumed, once librdkafka knows it, and learns what the group had committed for
    /// them, below which nothing is committed.
    func checkResumes() throws {
        let unchecked = machine.resumesToCheck
        if !unchecked.isEmpty { machine.resumesFound(try consumer.positions(unchecked)) }
        let unknown = machine.groupOffsetsToCheck
        guard !unknown.isEmpty, ContinuousClock.now >= groupOffsetsRetry else { return }
        do {
            machine.groupOffsetsFound(try consumer.committed(unknown, timeout: .seconds(10)), of: unknown)
        } catch {
            // Commits of these partitions wait. Asked again in a while, not at every poll
            // turn: each ask is a request to the group coordinator that may wait 10 s.
            groupOffsetsRetry = .now + Self.groupOffsetsRetryDelay
            logger.warning("cannot read the group's committed offsets: \(error)")
        }
    }

    struct Start {
        /// What to assign: an offset or one of librdkafka's logical offsets.
        var offset: Int64
        var target: DumpStateMachine.CatchUpTarget
        /// The archive's position (moved up to the low watermark where the broker deleted
        /// what it pointed at), not `--start`'s.
        var isArchivePosition = false
    }

    func startOffset(for partition: TopicPartition, watermarks: (low: Int64, high: Int64)) throws -> Start {
        let (low, high) = watermarks
        let key = PartitionKey(instance: options.instance, topic: partition.topic, partition: partition.partition)
        if var stored = writer.position(of: key) {
            if stored < low {
                // The broker's retention deleted offsets this archive never read: nothing can
                // bring them back. Resume at the oldest offset there is and record the loss.
                logger.warning(
                    "the broker no longer holds offsets \(stored)...\(low - 1) of \(partition.topic)/\(partition.partition) (its retention deleted them before this archive read them): resuming at \(low); the gap is recorded (status, verify)")
                try writer.skipUnavailable(key, to: low)
                stored = low
            }
            return Start(offset: stored, target: .init(high: high, floor: stored), isArchivePosition: true)
        }
        let earliest = Start(offset: KafkaConsumer.beginning, target: .init(high: high, floor: low))
        let latest = Start(offset: KafkaConsumer.end, target: .init(high: high, floor: high))
        switch options.start {
        case .earliest:
            return earliest
        case .latest:
            return latest
        case .offset(let offset) where offset < low || offset > high:
            // librdkafka would quietly reset to auto.offset.reset: say so, or refuse.
            let range = "\(partition.topic)/\(partition.partition) holds offsets \(low)..<\(high)"
            switch options.startFallback {
            case .earliest?:
                logger.warning("`start` offset \(offset) is outside what \(range): starting from the earliest, \(low) (`startFallback` earliest)")
                return earliest
            case .latest?:
                logger.warning("`start` offset \(offset) is outside what \(range): starting from the latest, \(high) (`startFallback` latest)")
                return latest
            default:
                throw SedimentError(
                    .invalidArgument,
                    "`start` offset \(offset) is outside what \(range): give another offset, or `startFallback` earliest or latest to start there instead",
                    context: ["topic": partition.topic, "partition": "\(partition.partition)", "offset": "\(offset)"])
            }
        case .offset(let offset):
            return Start(offset: offset, target: .init(high: high, floor: offset))
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
        return Start(offset: offset, target: .init(high: high, floor: min(max(offset, low), high)))
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
