import SedimentKafka
import Testing
@testable import Sediment

/// The offset map's runs as a broker with transactions makes them: each commit marker
/// takes a target offset, so a run ends at each checkpoint, and a position translates
/// exactly on either side of the marker.
@Suite("offset map runs")
struct OffsetMapTests {
    static func delivered(_ recorder: OffsetMapRecorder, source: (Int32, Int64), target: (Int32, Int64)) {
        recorder.delivered(DeliveryReport(
            opaque: UInt64(source.0) << OffsetMapRecorder.offsetBits | UInt64(source.1), partition: target.0, offset: target.1, bytes: 10,
            error: nil))
    }

    @Test("a commit marker between two transactions ends a run; source offsets a filter skipped do not")
    func runsAcrossACommitMarker() throws {
        let fixture = CompactionFixture(label: "offset-map-runs")
        try fixture.append([Message(partition: 0, offset: 0, timestamp: 1, value: [1])])
        let archive = try Archive.openForUpdate(at: fixture.path)
        let replay = ReplayRecord(
            id: "r-map", instance: "local", topic: "orders", from: 0, to: 10, targetTopic: "orders", brokers: "b", partitioning: .same,
            sourceHeaders: false, transactional: true, targetPartitions: 1, messages: 0, acknowledged: 0, state: .running,
            createdAt: 0, updatedAt: 0)
        try archive.index.createReplay(replay, targets: [0: 100])
        let recorder = OffsetMapRecorder()
        // First transaction: source offsets 0, 2, 4 (a filter left 1 and 3 out) → 100...102.
        for (source, target) in [(0, 100), (2, 101), (4, 102)] { Self.delivered(recorder, source: (0, Int64(source)), target: (0, Int64(target))) }
        var drained = recorder.drain()
        try archive.index.recordReplayRuns(id: replay.id, drained.runs, acknowledged: drained.acknowledged, now: 1)
        // The marker took 103; the next transaction: 5, 6 → 104, 105.
        for (source, target) in [(5, 104), (6, 105)] { Self.delivered(recorder, source: (0, Int64(source)), target: (0, Int64(target))) }
        drained = recorder.drain()
        try archive.index.recordReplayRuns(id: replay.id, drained.runs, acknowledged: drained.acknowledged, now: 2)

        let runs = try archive.replayRuns(id: replay.id)
        #expect(runs == [
            ReplayRun(sourcePartition: 0, sourceFirst: 0, sourceLast: 4, targetPartition: 0, targetFirst: 100, targetLast: 102),
            ReplayRun(sourcePartition: 0, sourceFirst: 5, sourceLast: 6, targetPartition: 0, targetFirst: 104, targetLast: 105),
        ], "\(runs)")
        #expect(!runs[0].isDense && runs[1].isDense)

        // Committed at 5: everything of the first run read, nothing of the second.
        var splits = CommittedSplit.split(runs, at: [0: 5], below: [:])
        #expect(splits.map { [$0.lastBelow, $0.firstFrom] } == [[102, 104]])
        // Committed at 6 (inside the dense run): 104 read, 105 next.
        splits = CommittedSplit.split(runs, at: [0: 6], below: [:])
        #expect(splits.map { [$0.lastBelow, $0.firstFrom] } == [[104, 105]])
        // Committed at 3 (inside the skipping run, where 0 and 2 came before it).
        splits = CommittedSplit.split(runs, at: [0: 3], below: [runs[0]: 2])
        #expect(splits.map { [$0.lastBelow, $0.firstFrom] } == [[101, 102]])
        // Resume: each sent offset is done; 1 and 3 were never part of it, 7 not yet.
        #expect([0, 2, 4, 5, 6].allSatisfy { offset in Replayer.isDone(Message(partition: 0, offset: Int64(offset), timestamp: 0, value: nil), in: runs) })
        #expect(!Replayer.isDone(Message(partition: 0, offset: 7, timestamp: 0, value: nil), in: runs))
    }
}
