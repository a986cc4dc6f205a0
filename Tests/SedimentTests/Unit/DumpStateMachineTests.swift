import SedimentKafka
import Testing
@testable import Sediment

/// The dump's bookkeeping without librdkafka: the events `DumpSession` reports, in the
/// orders librdkafka's rebalance callback and the append thread produce them.
@Suite("Dump state machine")
struct DumpStateMachineTests {
    typealias Target = DumpStateMachine.CatchUpTarget

    let p0 = TopicPartition(topic: "orders", partition: 0)
    let p1 = TopicPartition(topic: "orders", partition: 1)

    func group() -> DumpStateMachine { DumpStateMachine(group: true, untilCaughtUp: true) }

    @Test("assign, flush, durable, commit: durable positions are committed once, and nothing before they are durable")
    func assignFlushDurableCommit() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 0), p1: Target(high: 50, floor: 0)])
        #expect(machine.resumesToCheck == [p0, p1])
        #expect(machine.groupOffsetsToCheck == [p0, p1])
        machine.batchSubmitted([p0: 40, p1: 10])
        // Submitted is not durable: nothing to commit yet.
        #expect(machine.positionsDurable([:]) == nil)
        // Durable, but what the group has is not known yet: kept until it is.
        #expect(machine.positionsDurable([p0: 40, p1: 10]) == nil)
        machine.groupOffsetsFound([:], of: [p0, p1])
        #expect(machine.groupOffsetsToCheck.isEmpty)
        #expect(machine.positionsDurable([:]) == .commit([p0: 40, p1: 10]))
        machine.commitSucceeded([p0: 40, p1: 10])
        #expect(machine.positionsDurable([:]) == nil)
        #expect(machine.positionsDurable([p0: 60]) == .commit([p0: 60]))
    }

    @Test("without a group nothing is committed and every partition is owned from the start")
    func noGroupNeverCommits() {
        var machine = DumpStateMachine(group: false, untilCaughtUp: true)
        machine.assigned([p0: Target(high: 10, floor: 0)])
        #expect(machine.resumesToCheck.isEmpty)
        machine.batchSubmitted([p0: 10])
        #expect(machine.positionsDurable([p0: 10]) == nil)
        #expect(machine.nextLoopAction { _ in 10 } == .stopCaughtUp)
    }

    @Test("a refused commit is kept and retried with the next durable positions, at the furthest offset")
    func refusedCommitRetried() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 0), p1: Target(high: 100, floor: 0)])
        machine.groupOffsetsFound([:], of: [p0, p1])
        #expect(machine.positionsDurable([p0: 20, p1: 5]) == .commit([p0: 20, p1: 5]))
        machine.commitRefused([p0: 20, p1: 5])
        // Retried even when nothing new became durable.
        #expect(machine.positionsDurable([p0: 30]) == .commit([p0: 30, p1: 5]))
        machine.commitRefused([p0: 30, p1: 5])
        #expect(machine.positionsDurable([:]) == .commit([p0: 30, p1: 5]))
    }

    @Test("a revoke during a flush waits for the appends and commits the revoked offsets before it completes, never after")
    func revokeDuringFlush() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 0), p1: Target(high: 100, floor: 0)])
        machine.groupOffsetsFound([:], of: [p0, p1])
        machine.batchSubmitted([p0: 40, p1: 10])
        // Nothing held, but a batch is still on the append thread.
        #expect(machine.revokeStarted([p0, p1], holdsMessages: false) == .flushAndWait)
        // While revoking nothing is committed on the loop's path: the revoke does it.
        #expect(machine.positionsDurable([p0: 40]) == nil)
        let action = machine.revokeDrained(durable: [p1: 10], stored: [p0: 40, p1: 10])
        #expect(action == .commitBeforeRevoke([p0: 40, p1: 10]))
        #expect(machine.state == .awaitingAssignment)
        #expect(machine.assignedPartitions.isEmpty)
        // Late reports of partitions no longer owned are not this member's to commit: the
        // next owner may have committed further already.
        #expect(machine.positionsDurable([p0: 45]) == nil)
        machine.commitRefused([p1: 10])
        #expect(machine.positionsDurable([:]) == nil)
    }

    @Test("a revoke with nothing held or appending commits at once, skipping what the group already has")
    func revokeWhenIdle() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 0), p1: Target(high: 100, floor: 0)])
        machine.groupOffsetsFound([:], of: [p0, p1])
        #expect(machine.positionsDurable([p0: 40, p1: 10]) == .commit([p0: 40, p1: 10]))
        machine.commitSucceeded([p0: 40, p1: 10])
        #expect(machine.revokeStarted([p0, p1], holdsMessages: false) == .drained)
        #expect(machine.revokeDrained(durable: [:], stored: [p0: 40, p1: 10]) == nil)

        var holding = group()
        holding.assigned([p0: Target(high: 100, floor: 0)])
        #expect(holding.revokeStarted([p0], holdsMessages: true) == .flushAndWait)
    }

    @Test("a cooperative revoke of some partitions commits those before it completes and keeps the others' offsets for the loop")
    func partialRevoke() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 0), p1: Target(high: 100, floor: 0)])
        machine.groupOffsetsFound([:], of: [p0, p1])
        machine.batchSubmitted([p0: 40, p1: 10])
        #expect(machine.revokeStarted([p1], holdsMessages: true) == .flushAndWait)
        #expect(machine.revokeDrained(durable: [p0: 40, p1: 12], stored: [p1: 12]) == .commitBeforeRevoke([p1: 12]))
        #expect(machine.state == .awaitingAssignment)
        machine.assigned([:])
        #expect(Set(machine.assignedPartitions) == [p0])
        #expect(machine.positionsDurable([:]) == .commit([p0: 40]))
    }

    @Test("a partition whose group offset is past the archive's position resumes from the archive; nothing at or below the group's offset is committed: that would move the group back")
    func neverMovesGroupBack() {
        var machine = group()
        // The archive holds p0 up to 100; another member archived it to 200 since. The
        // archive's position wins: the fetch resumes at 100.
        machine.assigned([p0: Target(high: 250, floor: 100)])
        machine.resumesFound([p0: 100])
        machine.groupOffsetsFound([p0: 200], of: [p0])
        machine.batchSubmitted([p0: 150])
        #expect(machine.positionsDurable([p0: 150]) == nil)
        #expect(machine.revokeStarted([p0], holdsMessages: false) == .drained)
        #expect(machine.revokeDrained(durable: [:], stored: [p0: 150]) == nil)

        // Once this member archived past the group's offset, the loop and the revoke commit it.
        machine.assigned([p0: Target(high: 250, floor: 150)])
        machine.resumesFound([p0: 150])
        machine.groupOffsetsFound([p0: 200], of: [p0])
        #expect(machine.positionsDurable([p0: 220]) == .commit([p0: 220]))
        machine.commitSucceeded([p0: 220])
        machine.batchSubmitted([p0: 230])
        #expect(machine.revokeStarted([p0], holdsMessages: false) == .flushAndWait)
        #expect(machine.revokeDrained(durable: [p0: 230], stored: [p0: 230]) == .commitBeforeRevoke([p0: 230]))
    }

    @Test("a partition the archive holds further than the group has is committed at the archive's position once the group's offset is known, with nothing new read")
    func archivePositionCommittedOnAssignment() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 100), p1: Target(high: 100, floor: 100)], archivePositions: [p0: 100, p1: 100])
        #expect(machine.positionsDurable([:]) == nil)
        // The group has p0 at 40 and nothing of p1 (expired offsets).
        machine.groupOffsetsFound([p0: 40], of: [p0, p1])
        #expect(machine.positionsDurable([:]) == .commit([p0: 100, p1: 100]))
        machine.commitSucceeded([p0: 100, p1: 100])
        #expect(machine.positionsDurable([:]) == nil)

        // A group already at the archive's position, or past it, gets nothing.
        var level = group()
        level.assigned([p0: Target(high: 100, floor: 100)], archivePositions: [p0: 100])
        level.groupOffsetsFound([p0: 120], of: [p0])
        #expect(level.positionsDurable([:]) == nil)
    }

    @Test("revoked before the group's offset was known, a partition is not committed")
    func revokeBeforeGroupOffsetKnown() {
        var machine = group()
        machine.assigned([p0: Target(high: 250, floor: 100)])
        machine.resumesFound([p0: 100])
        machine.batchSubmitted([p0: 230])
        #expect(machine.revokeStarted([p0], holdsMessages: false) == .flushAndWait)
        #expect(machine.revokeDrained(durable: [p0: 230], stored: [p0: 230]) == nil)
    }

    @Test("revoked before its resume offset was known, a partition this member read nothing of is not committed")
    func revokeBeforeResumeKnown() {
        var machine = group()
        // The archive holds p0 up to 100; the group may have it at 5000 with another member.
        machine.assigned([p0: Target(high: 6000, floor: 100)])
        #expect(machine.revokeStarted([p0], holdsMessages: false) == .drained)
        #expect(machine.revokeDrained(durable: [:], stored: [p0: 100]) == nil)
    }

    @Test("a partition assigned again after its revoke starts afresh: resume checked again, commits taken again")
    func reassignAfterRevoke() {
        var machine = group()
        machine.assigned([p0: Target(high: 100, floor: 0)])
        machine.resumesFound([p0: 30])
        machine.groupOffsetsFound([p0: 30], of: [p0])
        #expect(machine.resumesToCheck.isEmpty)
        #expect(machine.positionsDurable([p0: 50]) == .commit([p0: 50]))
        machine.commitSucceeded([p0: 50])
        _ = machine.revokeStarted([p0], holdsMessages: false)
        #expect(machine.revokeDrained(durable: [:], stored: [p0: 50]) == nil)
        #expect(machine.nextLoopAction { _ in 1_000 } == .keepConsuming)

        machine.assigned([p0: Target(high: 120, floor: 50)])
        #expect(machine.resumesToCheck == [p0] && machine.groupOffsetsToCheck == [p0])
        #expect(machine.nextLoopAction { _ in 50 } == .keepConsuming)
        // Another member committed 70 meanwhile; this one resumes from its archive's 50
        // and commits again once past 70.
        machine.resumesFound([p0: 50])
        machine.groupOffsetsFound([p0: 70], of: [p0])
        #expect(machine.positionsDurable([p0: 60]) == nil)
        #expect(machine.positionsDurable([p0: 90]) == .commit([p0: 90]))
        #expect(machine.nextLoopAction { _ in 120 } == .stopCaughtUp)
    }

    @Test("caught up once every partition's next offset or floor reaches its high watermark")
    func caughtUpWithFloorsAndHighWatermarks() {
        var machine = DumpStateMachine(group: false, untilCaughtUp: true)
        // p0 is read from 0 to 100; p1 starts at its high watermark (`--start latest`).
        machine.assigned([p0: Target(high: 100, floor: 0), p1: Target(high: 50, floor: 50)])
        #expect(machine.nextLoopAction { _ in 0 } == .keepConsuming)
        #expect(machine.nextLoopAction { $0 == p0 ? 99 : 0 } == .keepConsuming)
        #expect(machine.nextLoopAction { $0 == p0 ? 100 : 0 } == .stopCaughtUp)

        // A group's committed offset at the high watermark: nothing to read there.
        var grouped = group()
        grouped.assigned([p0: Target(high: 100, floor: 0)])
        #expect(grouped.nextLoopAction { _ in 0 } == .keepConsuming)
        grouped.resumesFound([p0: 100])
        #expect(grouped.nextLoopAction { _ in 0 } == .stopCaughtUp)

        var forever = DumpStateMachine(group: false, untilCaughtUp: false)
        forever.assigned([p0: Target(high: 0, floor: 0)])
        #expect(forever.nextLoopAction { _ in 0 } == .keepConsuming)
    }

    @Test("in a group, nothing assigned yet is not caught up; an empty assignment is")
    func groupWithoutAssignment() {
        var machine = group()
        #expect(machine.state == .awaitingAssignment)
        #expect(machine.nextLoopAction { _ in 0 } == .keepConsuming)
        machine.assigned([:])
        #expect(machine.nextLoopAction { _ in 0 } == .stopCaughtUp)
    }

    @Test("between a revoke and the next assignment the dump is not caught up, even with nothing owned")
    func notCaughtUpBetweenRevokeAndAssignment() {
        var machine = group()
        machine.assigned([p0: Target(high: 10, floor: 10)])
        _ = machine.revokeStarted([p0], holdsMessages: false)
        #expect(machine.nextLoopAction { _ in 10 } == .keepConsuming)
        _ = machine.revokeDrained(durable: [:], stored: [:])
        #expect(machine.nextLoopAction { _ in 10 } == .keepConsuming)
        machine.assigned([p1: Target(high: 5, floor: 5)])
        #expect(machine.nextLoopAction { _ in 0 } == .stopCaughtUp)
    }
}
