import Dispatch
import Foundation

/// Appends batches on a thread of its own, so that reading and framing the next batches
/// overlaps writing and fsyncing earlier ones. Two may wait in line: the time one takes
/// varies with the disk, and a second in line keeps both threads busy through that.
///
/// The writer is used by the append thread only (a serial queue) until `finish` has
/// waited for every append; `failure` is written there and read after a wait for it.
final class AppendPipeline: @unchecked Sendable {
    private let writer: ArchiveWriter
    private let queue = DispatchQueue(label: "sediment.append")
    private static let depth = 2
    private let slots = DispatchSemaphore(value: depth)
    private let lock = NSLock()
    private var failure: (any Error)?
    /// Next offsets made durable since `takeDurablePositions` was last called.
    private var durable: [PartitionKey: Int64] = [:]

    init(writer: ArchiveWriter) {
        self.writer = writer
    }

    /// Starts appending `batches` once the previous append is done; throws that append's
    /// error. Returns the next offsets the batches end at.
    @discardableResult
    func submit(_ batches: consuming [RecordBatch]) throws -> [PartitionKey: Int64] {
        slots.wait()
        if let failure = currentFailure() {
            slots.signal()
            throw failure
        }
        var positions: [PartitionKey: Int64] = [:]
        for index in batches.indices {
            for partition in batches[index].partitions {
                let key = PartitionKey(instance: batches[index].instance, topic: batches[index].topic, partition: partition.partition)
                positions[key] = partition.nextOffset
            }
        }
        let appended = positions
        let counts = batches.map { (topic: $0.topic, messages: $0.count, bytes: $0.byteCount) }
        let handOver = HandOver(batches)
        queue.async {
            // After a failure the writer has rolled back; later batches would leave a gap.
            if self.currentFailure() == nil {
                do {
                    let started = ContinuousClock.now
                    try self.writer.append(handOver.take())
                    PipelineMetrics.batchCommitted(in: .now - started)
                    for count in counts { PipelineMetrics.consumed(topic: count.topic, messages: count.messages, bytes: count.bytes) }
                    PipelineMetrics.succeeded(.commit)
                    self.lock.withLock { self.durable.merge(appended) { max($0, $1) } }
                } catch {
                    self.record(error)
                }
            }
            self.slots.signal()
        }
        return appended
    }

    /// Waits for every append in flight; throws the first error.
    func finish() throws {
        for _ in 0..<Self.depth { slots.wait() }
        defer { for _ in 0..<Self.depth { slots.signal() } }
        // The appends have signalled; this waits until their blocks are also released, so
        // that nothing holds the writer (and the archive's lock) once this returns.
        queue.sync {}
        if let failure = currentFailure() { throw failure }
    }

    /// The next offset of every partition whose messages became durable since the last call:
    /// what may now be committed to a consumer group.
    func takeDurablePositions() -> [PartitionKey: Int64] {
        lock.withLock {
            defer { durable = [:] }
            return durable
        }
    }

    private func currentFailure() -> (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    private func record(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        failure = error
    }
}

/// Carries batches to the append thread so that they arrive with a single reference:
/// sealing them in place then copies nothing.
private final class HandOver: @unchecked Sendable {
    private var batches: [RecordBatch]?

    init(_ batches: consuming [RecordBatch]) { self.batches = batches }

    func take() -> [RecordBatch] {
        defer { batches = nil }
        return batches!
    }
}
