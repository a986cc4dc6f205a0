/// Where a consumer group's position on the source lands on the target after a replay:
/// the plan `sediment offsets translate` prints, and what `--execute` commits.
///
/// A committed offset C on source partition p says the group's next message there is C.
/// On the target the group must go on with exactly the replayed messages of p at or after
/// C. So per target partition: the offset after the last replayed message the group had
/// consumed (source offset below its partition's committed offset), or, when it had
/// consumed none of what went there, the offset the partition had when the replay started
/// (the group reads the whole replay there). A committed offset past the replayed range
/// lands after the last replayed message.
///
/// One offset per target partition stands for the group only when there every message it
/// had consumed comes before every message it had not. `same` partitioning always gives
/// that: target partition p holds source partition p's messages in offset order. `key` and
/// `round-robin` spread each source partition over the target's, one source partition
/// after another, so a target partition holds [p0 consumed][p0 not][p1 consumed][p1 not]:
/// exact when the replay read one source partition, or when the group's positions fall at
/// the ends of the ranges. Anything else is refused, naming the target partition, rather
/// than committing a position that would skip or repeat messages; so is a target partition
/// holding messages of a source partition the group has no committed offset on beside
/// messages of one it has.
///
/// Messages other producers wrote to the target while the replay ran are not the replay's:
/// the group reads those past its position, as any consumer would.
public struct OffsetTranslation: Sendable, Hashable, Codable {
    /// A source partition and one target partition the replay sent its messages to (one
    /// row per target partition), or no target partition when it sent none.
    public struct Row: Sendable, Hashable, Codable {
        public var sourcePartition: Int32
        /// The group's committed offset on the source (its next message); nil when it has
        /// none, and then the target partition is left alone.
        public var sourceOffset: Int64?
        /// nil when the replay sent nothing from the source partition.
        public var targetPartition: Int32?
        /// What is committed on the target partition; nil when nothing is.
        public var targetOffset: Int64?
    }

    /// An offset to commit on the target topic.
    public struct Position: Sendable, Hashable, Codable {
        public var partition: Int32
        public var offset: Int64
    }

    public var replay: String
    public var group: String
    public var sourceTopic: String
    public var targetTopic: String
    public var partitioning: ReplayRecord.Partitioning
    /// By source partition, then target partition.
    public var rows: [Row]
    /// What `--execute` commits, by partition.
    public var positions: [Position]
    /// The target cluster the positions were committed on (`OffsetTranslator.execute`);
    /// nil for a plan.
    public var committedOn: String?

    /// - Parameters:
    ///   - committed: the group's committed offsets on the source, by partition.
    ///   - splits: every (source partition, target partition) pair of the offset map,
    ///     split at the source partition's committed offset.
    ///   - starts: the end offset of each target partition when the replay started.
    init(
        replay: ReplayRecord, group: String, committed: [Int32: Int64], splits: [CommittedSplit], starts: [Int32: Int64]
    ) throws {
        var positions: [Int32: Int64] = [:]
        for (target, splits) in Dictionary(grouping: splits, by: \.targetPartition) {
            let known = splits.filter { $0.committed != nil }
            guard let someKnown = known.first else { continue }
            if let unknown = splits.first(where: { $0.committed == nil }) {
                throw SedimentError(
                    .invalidArgument,
                    "target partition \(target) of '\(replay.targetTopic)' holds messages of source partition \(unknown.sourcePartition), "
                        + "which group '\(group)' has no committed offset on, and of source partition \(someKnown.sourcePartition), which it has one on "
                        + "(replay \(replay.id) spread them with `partitioning` \(replay.partitioning.rawValue)): one committed offset cannot stand for both",
                    context: ["replay": replay.id, "partition": "\(target)"])
            }
            let consumed = known.filter { $0.lastBelow != nil }.max { $0.lastBelow! < $1.lastBelow! }
            let unread = known.filter { $0.firstFrom != nil }.min { $0.firstFrom! < $1.firstFrom! }
            if let consumed, let unread, consumed.lastBelow! > unread.firstFrom! {
                throw SedimentError(
                    .invalidArgument,
                    "group '\(group)' cannot be translated exactly: replay \(replay.id) spread its source partitions over the target's "
                        + "with `partitioning` \(replay.partitioning.rawValue), and target partition \(target) holds a message the group had not consumed "
                        + "(of source partition \(unread.sourcePartition), at offset \(unread.firstFrom!)) before one it had "
                        + "(of source partition \(consumed.sourcePartition), at offset \(consumed.lastBelow!)), so no committed offset there "
                        + "stands for its position; a replay with `partitioning` same always translates",
                    context: ["replay": replay.id, "partition": "\(target)"])
            }
            if let consumed {
                positions[target] = consumed.lastBelow! + 1
            } else if let start = starts[target] {
                positions[target] = start
            } else {
                throw SedimentError(
                    .invalidInput, "the archive records no start offset for target partition \(target) of replay \(replay.id)",
                    context: ["replay": replay.id, "partition": "\(target)"])
            }
        }
        let mapped = Set(splits.map(\.sourcePartition))
        var rows = splits.map {
            Row(sourcePartition: $0.sourcePartition, sourceOffset: $0.committed, targetPartition: $0.targetPartition,
                targetOffset: $0.committed == nil ? nil : positions[$0.targetPartition])
        }
        rows += committed.filter { !mapped.contains($0.key) }.map {
            Row(sourcePartition: $0.key, sourceOffset: $0.value, targetPartition: nil, targetOffset: nil)
        }
        self.replay = replay.id
        self.group = group
        sourceTopic = replay.topic
        targetTopic = replay.targetTopic
        partitioning = replay.partitioning
        self.rows = rows.sorted { ($0.sourcePartition, $0.targetPartition ?? -1) < ($1.sourcePartition, $1.targetPartition ?? -1) }
        self.positions = positions.map { Position(partition: $0.key, offset: $0.value) }.sorted { $0.partition < $1.partition }
    }
}

/// The replayed messages of one source partition that went to one target partition, split
/// at the group's committed offset on the source partition.
struct CommittedSplit: Sendable, Hashable {
    var sourcePartition: Int32
    /// nil: the group has no committed offset on the source partition.
    var committed: Int64?
    var targetPartition: Int32
    /// The target offset of the last message below `committed`: the last one consumed.
    var lastBelow: Int64? = nil
    /// The target offset of the first message at or above `committed`: the first one not.
    var firstFrom: Int64? = nil
}

extension CommittedSplit {
    /// Each (source partition, target partition) pair of the map split at the source
    /// partition's committed offset. `below` says, for a run that skips source offsets and
    /// holds the committed offset, how many of its messages come before it; a dense run's
    /// split is arithmetic.
    static func split(_ runs: [ReplayRun], at committed: [Int32: Int64], below: [ReplayRun: Int64]) -> [CommittedSplit] {
        Dictionary(grouping: runs) { SIMD2($0.sourcePartition, $0.targetPartition) }.map { pair, runs in
            var split = CommittedSplit(sourcePartition: pair[0], committed: committed[pair[0]], targetPartition: pair[1])
            guard let offset = split.committed else { return split }
            for run in runs {
                let before: Int64 =
                    if run.sourceLast < offset { run.messages }
                    else if run.sourceFirst >= offset { 0 }
                    else if run.isDense { offset - run.sourceFirst }
                    else { below[run] ?? 0 }
                if before > 0 { split.lastBelow = max(split.lastBelow ?? .min, run.targetFirst + before - 1) }
                if before < run.messages { split.firstFrom = min(split.firstFrom ?? .max, run.targetFirst + before) }
            }
            return split
        }.sorted { ($0.sourcePartition, $0.targetPartition) < ($1.sourcePartition, $1.targetPartition) }
    }
}
