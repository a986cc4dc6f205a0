import Foundation
import SedimentKafka

/// Turns delivery reports into runs of the offset map and per-partition figures. Reports
/// arrive inside the producer's calls on the replay's thread; the lock only makes that
/// safe to rely on. Each message's opaque is its source position (`opaque(of:)`), so that
/// nothing is kept per message in flight.
final class OffsetMapRecorder: @unchecked Sendable {
    private let lock = NSLock()
    /// The run each (source partition, target partition) pair is extending.
    private var open: [SIMD2<Int32>: ReplayRun] = [:]
    private var closed: [ReplayRun] = []
    private var acknowledgedSinceDrain = 0
    private(set) var targets: [Int32: ReplaySummary.TargetPartition] = [:]
    private(set) var failure: KafkaError?

    static let offsetBits: UInt64 = 47

    /// The source partition and offset in one integer: 16 bits and 47.
    static func opaque(of message: Message) throws -> UInt64 {
        guard (0..<65_536).contains(message.partition), (0..<(Int64(1) << 47)).contains(message.offset) else {
            throw SedimentError(
                .invalidInput, "partition \(message.partition), offset \(message.offset) is past what a replay can track (65,536 partitions, offsets below 2^47)")
        }
        return UInt64(message.partition) << offsetBits | UInt64(message.offset)
    }

    /// The producer's delivery callback.
    func delivered(_ report: DeliveryReport) {
        let partition = Int32(report.opaque >> Self.offsetBits)
        let offset = Int64(report.opaque & ((1 << Self.offsetBits) - 1))
        lock.withLock {
            if let error = report.error {
                if failure == nil { failure = error }
                return
            }
            // After a failure, later acknowledgements stay out of the map: the map must stay a
            // prefix of each partition, or a resume would send the failed message after them.
            guard failure == nil else { return }
            record(source: (partition, offset), target: report.partition, offset: report.offset, bytes: report.bytes)
        }
    }

    /// A message an earlier run delivered and did not record, found in the target.
    func found(_ message: Message, bytes: Int, target partition: Int32, offset: Int64) {
        lock.withLock { record(source: (message.partition, message.offset), target: partition, offset: offset, bytes: bytes) }
    }

    private func record(source: (partition: Int32, offset: Int64), target partition: Int32, offset: Int64, bytes: Int) {
        acknowledgedSinceDrain += 1
        targets[partition, default: .init()].add(offset: offset, bytes: bytes)
        let pair = SIMD2(source.partition, partition)
        if let run = open[pair], run.isFollowed(bySource: source.offset, target: partition, offset: offset) {
            open[pair]!.sourceLast = source.offset
            open[pair]!.targetLast = offset
            return
        }
        if let run = open[pair] { closed.append(run) }
        open[pair] = ReplayRun(
            sourcePartition: source.partition, sourceFirst: source.offset, sourceLast: source.offset,
            targetPartition: partition, targetFirst: offset, targetLast: offset)
    }

    /// What was acknowledged since the last drain, as runs to record (the index joins a
    /// run to the stored one it continues). A transactional replay drains once a commit
    /// has succeeded, and `discard`s what an aborted transaction held.
    func drain() -> (runs: [ReplayRun], acknowledged: Int) {
        lock.withLock {
            defer { reset() }
            return (closed + open.values, acknowledgedSinceDrain)
        }
    }

    /// Forgets what was acknowledged since the last drain: an aborted transaction's
    /// messages are not in the target for a read-committed consumer, so a resume sends them.
    func discard() {
        lock.withLock { reset() }
    }

    private func reset() {
        closed = []
        open = [:]
        acknowledgedSinceDrain = 0
    }
}
