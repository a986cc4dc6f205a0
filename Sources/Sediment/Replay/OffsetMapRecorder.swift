import Foundation
import SedimentKafka

/// Turns delivery reports into runs of the offset map and per-partition figures. Reports
/// arrive inside the producer's calls on the replay's thread; the lock only makes that
/// safe to rely on.
final class OffsetMapRecorder: @unchecked Sendable {
    private let lock = NSLock()
    /// Sent and not yet reported, by the sequence number given as the message's opaque.
    private var inFlight: [UInt64: (partition: Int32, offset: Int64, bytes: Int)] = [:]
    /// The run each source partition is extending.
    private var open: [Int32: ReplayRun] = [:]
    private var closed: [ReplayRun] = []
    private var acknowledgedSinceDrain = 0
    private(set) var targets: [Int32: ReplaySummary.TargetPartition] = [:]
    private(set) var failure: KafkaError?

    func sent(_ sequence: UInt64, _ message: Message, bytes: Int) {
        lock.withLock { inFlight[sequence] = (message.partition, message.offset, bytes) }
    }

    /// The producer's delivery callback.
    func delivered(_ report: DeliveryReport) {
        lock.withLock {
            guard let source = inFlight.removeValue(forKey: report.opaque) else { return }
            if let error = report.error {
                if failure == nil { failure = error }
                return
            }
            record(source: (source.partition, source.offset), target: report.partition, offset: report.offset, bytes: source.bytes)
        }
    }

    /// A message an earlier run delivered and did not record, found in the target.
    func found(_ message: Message, bytes: Int, target partition: Int32, offset: Int64) {
        lock.withLock { record(source: (message.partition, message.offset), target: partition, offset: offset, bytes: bytes) }
    }

    private func record(source: (partition: Int32, offset: Int64), target partition: Int32, offset: Int64, bytes: Int) {
        acknowledgedSinceDrain += 1
        targets[partition, default: .init()].add(offset: offset, bytes: bytes)
        if let run = open[source.partition], run.isFollowed(bySource: source.offset, target: partition, offset: offset) {
            open[source.partition]!.sourceLast = source.offset
            return
        }
        if let run = open[source.partition] { closed.append(run) }
        open[source.partition] = ReplayRun(
            sourcePartition: source.partition, sourceFirst: source.offset, sourceLast: source.offset,
            targetPartition: partition, targetFirst: offset)
    }

    /// What was acknowledged since the last drain, as runs to record (the index joins a
    /// run to the stored one it continues).
    func drain() -> (runs: [ReplayRun], acknowledged: Int) {
        lock.withLock {
            defer {
                closed = []
                open = [:]
                acknowledgedSinceDrain = 0
            }
            return (closed + open.values, acknowledgedSinceDrain)
        }
    }

    var pending: Int { lock.withLock { inFlight.count } }
}
