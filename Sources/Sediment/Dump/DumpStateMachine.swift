import SedimentKafka

/// The bookkeeping of one dump run: which partitions it owns, how far each must be read
/// for `--until-caught-up`, and which durable positions the consumer group has yet to take.
///
/// No I/O: `DumpSession` reports what happened (the group assigned or revoked partitions, a
/// batch went to the append thread, positions became durable, a commit went through or was
/// refused) and performs the actions returned, like swift-kafka-client's
/// `KafkaConsumer.StateMachine`. Everything here happens on the dump's one thread: the
/// rebalance callback runs inside `poll`.
struct DumpStateMachine {
    /// How far a partition must be read before the dump is caught up with it.
    struct CatchUpTarget: Hashable, Sendable {
        /// The high watermark when the partition was assigned.
        var high: Int64
        /// The first offset there is to read: the archive's position, where `--start`
        /// points, or where the fetch resumed, whichever is furthest.
        var floor: Int64
    }

    enum State: Hashable {
        /// Group mode, before an assignment: at the start, and between a revoke and the
        /// group's next assignment (which may be empty). Nothing is caught up here: the
        /// partitions this member will own are not known.
        case awaitingAssignment
        case consuming
        /// Inside the revoke callback: the group takes `partitions` back once it returns.
        case revoking(Set<TopicPartition>)
    }

    /// What to do before the group takes revoked partitions back.
    enum RevokeAction: Hashable {
        /// Messages may be held or on the append thread: hand them over, wait for every
        /// append, then call `revokeDrained`.
        case flushAndWait
        /// Nothing is held or appending: call `revokeDrained` now.
        case drained
    }

    enum CommitAction: Hashable {
        /// Commit these next offsets, then report `commitSucceeded` or `commitRefused`.
        case commit([TopicPartition: Int64])
        /// Commit these offsets of revoked partitions in one short attempt before the
        /// revoke callback returns: the group waits for it. A refusal is not retried.
        case commitBeforeRevoke([TopicPartition: Int64])
    }

    enum LoopAction: Hashable {
        case keepConsuming
        /// `--until-caught-up`: every owned partition reached its target.
        case stopCaughtUp
    }

    /// What this member knows of a partition it owns.
    struct Ownership: Hashable {
        var target: CatchUpTarget
        /// Group mode: the archive's position when the partition was assigned, if it has one.
        var archivePosition: Int64?
        /// Group mode: where the fetch resumed (the archive's position, else the group's
        /// committed offset or `--start`), once known.
        var resumedAt: Int64?
        /// Group mode: what the group had committed when the partition was assigned, once
        /// looked up (`.some(nil)`: nothing). The archive's position wins over it, so
        /// another member may have taken the group past where this member resumed.
        var groupOffset: Int64??
        /// The furthest next offset the group took from this member since the assignment.
        var committed: Int64?

        /// What a commit must pass to move the group forward, never back; nil while the
        /// group's offset is not known (nothing is committed until it is).
        var commitFloor: Int64? {
            guard case .some(let group) = groupOffset else { return nil }
            return max(group ?? -1, committed ?? -1)
        }
    }

    let isGroup: Bool
    let untilCaughtUp: Bool
    private(set) var state: State
    private(set) var owned: [TopicPartition: Ownership] = [:]
    /// Group mode: durable next offsets the group has not taken yet, new or refused before.
    private var uncommitted: [TopicPartition: Int64] = [:]
    /// Per partition, the furthest next offset handed to the append thread and not yet
    /// reported durable.
    private var appending: [TopicPartition: Int64] = [:]

    init(group: Bool, untilCaughtUp: Bool) {
        isGroup = group
        self.untilCaughtUp = untilCaughtUp
        state = group ? .awaitingAssignment : .consuming
    }

    var assignedPartitions: Dictionary<TopicPartition, Ownership>.Keys { owned.keys }

    // MARK: Assignment

    /// The partitions assigned, each with its target. Without a group they resume from the
    /// archive's positions, already in the targets. In a group too, from the archive's
    /// positions where it has them, else from the group's committed offsets; where each
    /// resumed (`resumesToCheck`) and what the group had (`groupOffsetsToCheck`) are read
    /// once known.
    /// `archivePositions`: where the archive holds them up to, for those it holds.
    mutating func assigned(_ assignment: [TopicPartition: CatchUpTarget], archivePositions: [TopicPartition: Int64] = [:]) {
        for (partition, target) in assignment {
            owned[partition] = Ownership(target: target, archivePosition: archivePositions[partition])
        }
        if case .awaitingAssignment = state { state = .consuming }
    }

    /// Group mode: the partitions whose resume offset to ask the consumer for after a poll.
    var resumesToCheck: [TopicPartition] {
        guard isGroup else { return [] }
        return owned.filter { $0.value.resumedAt == nil }.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Group mode: the partitions whose committed offset to ask the group for.
    var groupOffsetsToCheck: [TopicPartition] {
        guard isGroup else { return [] }
        return owned.filter { $0.value.groupOffset == nil }.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// The group's committed offsets of `partitions` (one left out of `offsets` has none).
    /// Where the archive holds more than the group has, its position is to be committed:
    /// nothing new may arrive to carry it (the group's offsets expired, or a commit was
    /// refused before the last revoke).
    mutating func groupOffsetsFound(_ offsets: [TopicPartition: Int64], of partitions: [TopicPartition]) {
        for partition in partitions {
            guard let ownership = owned[partition], ownership.groupOffset == nil else { continue }
            owned[partition]?.groupOffset = .some(offsets[partition])
            if let archived = ownership.archivePosition, archived > offsets[partition] ?? -1 {
                uncommitted[partition] = max(uncommitted[partition] ?? archived, archived)
            }
        }
    }

    /// Where the fetch of these partitions resumed: raises their floors. A partition left
    /// out (its fetch has not started) is asked for again after the next poll.
    mutating func resumesFound(_ offsets: [TopicPartition: Int64]) {
        for (partition, offset) in offsets {
            guard var ownership = owned[partition], ownership.resumedAt == nil else { continue }
            ownership.resumedAt = offset
            ownership.target.floor = max(ownership.target.floor, offset)
            owned[partition] = ownership
        }
    }

    // MARK: Appends and commits

    /// A batch went to the append thread; it ends at these next offsets.
    mutating func batchSubmitted(_ positions: [TopicPartition: Int64]) {
        appending.merge(positions) { max($0, $1) }
    }

    /// These next offsets are durable in the archive. In a group, returns what to commit:
    /// them and whatever the group refused before, for partitions still owned, where they
    /// move the group forward. A partition whose group offset is not known yet keeps its
    /// offset for a later call.
    mutating func positionsDurable(_ positions: [TopicPartition: Int64]) -> CommitAction? {
        record(durable: positions)
        guard isGroup, !uncommitted.isEmpty else { return nil }
        if case .revoking = state { return nil }
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, offset) in uncommitted {
            guard let floor = owned[partition]?.commitFloor else { continue }
            uncommitted[partition] = nil
            if offset > floor { offsets[partition] = offset }
        }
        return offsets.isEmpty ? nil : .commit(offsets)
    }

    mutating func commitSucceeded(_ offsets: [TopicPartition: Int64]) {
        for (partition, offset) in offsets {
            guard let committed = owned[partition]?.committed else {
                owned[partition]?.committed = offset
                continue
            }
            owned[partition]?.committed = max(committed, offset)
        }
    }

    /// The group refused (during a rebalance, say): kept for the next attempt, unless the
    /// partition was revoked since; its next owner decides where it resumes.
    mutating func commitRefused(_ offsets: [TopicPartition: Int64]) {
        for (partition, offset) in offsets where owned[partition] != nil {
            uncommitted[partition] = max(uncommitted[partition] ?? offset, offset)
        }
    }

    // MARK: Revoke

    /// The group takes `partitions` back. `holdsMessages`: messages were added since the
    /// last flush (of any partition: batches are flushed whole).
    ///
    /// Their offsets are committed before the callback returns, or never. librdkafka calls
    /// it before giving the partitions up, in the eager protocol (everything, then a new
    /// assignment) and the cooperative one (just these); once it returns another member
    /// may own them and resume from the group's committed offset. A commit made later
    /// would be refused (a new generation) or, worse, move that owner's committed offset
    /// back, and the member after it would archive the same messages again.
    mutating func revokeStarted(_ partitions: [TopicPartition], holdsMessages: Bool) -> RevokeAction {
        state = .revoking(Set(partitions))
        return holdsMessages || !appending.isEmpty ? .flushAndWait : .drained
    }

    /// Every append has finished: `durable` is what became durable since last reported,
    /// `stored` the archive's positions of the revoked partitions. Returns what to commit
    /// before the revoke completes; the revoked partitions are forgotten.
    mutating func revokeDrained(durable: [TopicPartition: Int64], stored: [TopicPartition: Int64]) -> CommitAction? {
        guard case .revoking(let revoked) = state else { return nil }
        record(durable: durable)
        var offsets: [TopicPartition: Int64] = [:]
        for partition in revoked {
            guard let position = stored[partition], let ownership = owned[partition] else { continue }
            // Only what this ownership read is committed, and only past what the group
            // has: a position at or below where it started (once known; else the furthest
            // start known at the assignment), or at or below the group's offset, would move
            // the group back, or change nothing. The group may have moved the partition far
            // ahead with another member meanwhile; while its offset is unknown, nothing goes.
            guard position > (ownership.resumedAt ?? ownership.target.floor), let floor = ownership.commitFloor, position > floor
            else { continue }
            offsets[partition] = position
        }
        for partition in revoked {
            owned[partition] = nil
            uncommitted[partition] = nil
            appending[partition] = nil
        }
        state = isGroup ? .awaitingAssignment : .consuming
        return offsets.isEmpty ? nil : .commitBeforeRevoke(offsets)
    }

    // MARK: Caught up

    /// After each poll (and resume check). `nextOffset`: where the dump reads each owned
    /// partition next, counting messages not flushed yet.
    func nextLoopAction(nextOffset: (TopicPartition) -> Int64) -> LoopAction {
        guard untilCaughtUp, case .consuming = state else { return .keepConsuming }
        let caughtUp = owned.allSatisfy { partition, ownership in
            max(nextOffset(partition), ownership.target.floor) >= ownership.target.high
        }
        return caughtUp ? .stopCaughtUp : .keepConsuming
    }

    private mutating func record(durable positions: [TopicPartition: Int64]) {
        for (partition, offset) in positions {
            if let furthest = appending[partition], offset >= furthest { appending[partition] = nil }
            // Durable after its revoke (which waits for every append, so only if a caller
            // skipped that): not this member's to commit any more.
            guard isGroup, owned[partition] != nil else { continue }
            uncommitted[partition] = max(uncommitted[partition] ?? offset, offset)
        }
    }
}
