import Foundation

/// Compresses chunks on every core, as pigz does, and hands them back in the order they
/// were submitted: gzip members, zstd frames, or whatever `compress` makes of one chunk.
/// Each result depends only on its own chunk and `compress`, so the output is the same
/// bytes whatever the number of cores.
///
/// At most `depth` chunks are in flight: `submit` waits for the oldest one when full, so
/// memory stays at about `depth` × (chunk + member) whatever the size of the stream.
/// One thread drives it.
final class ParallelCompressor: @unchecked Sendable {
    struct Member: Sendable {
        var bytes: [UInt8]
        var inputCount: Int
    }

    private let compress: @Sendable (UnsafeRawBufferPointer) throws -> [UInt8]
    private let depth: Int
    private let condition = NSCondition()
    private var finished: [Int: Result<Member, any Error>] = [:]
    private var submitted = 0
    private var delivered = 0
    /// Emptied input buffers, handed back by `submit`: filling memory used before touches
    /// no new pages, which fresh 1 MiB buffers did for every member.
    private var spare: [[UInt8]] = []
    /// Input buffers made (or moved by enlarging) rather than reused, for the tests.
    private(set) var buffersAllocated = 0

    init(
        depth: Int = 2 * ProcessInfo.processInfo.activeProcessorCount,
        compress: @escaping @Sendable (UnsafeRawBufferPointer) throws -> [UInt8]
    ) {
        self.compress = compress
        self.depth = max(1, depth)
    }

    /// Queues the bytes of `chunk`, leaves an empty buffer of the same capacity in it to
    /// fill next, and returns the members that are ready, oldest first.
    func submit(_ chunk: inout [UInt8]) throws -> [Member] {
        var ready: [Member] = []
        while submitted - delivered >= depth { ready.append(try waitForOldest()) }
        let number = submitted
        submitted += 1
        let compress = compress
        var next = condition.withLock { spare.popLast() } ?? []
        // Only when short: asking a spare for the chunk's exact capacity reallocated it
        // (malloc rounds each size up a little), so every chunk was fresh memory again.
        let storage = next.withUnsafeBytes { $0.baseAddress }
        if next.capacity < chunk.count { next.reserveCapacity(chunk.capacity) }
        if next.withUnsafeBytes({ $0.baseAddress }) != storage { buffersAllocated += 1 }
        swap(&next, &chunk)
        let job = Job(next)
        CompressionWorkers.shared.run { [self] in
            let result = Result { Member(bytes: try job.bytes.withUnsafeBytes(compress), inputCount: job.bytes.count) }
            var emptied = job.take()
            emptied.removeAll(keepingCapacity: true)
            condition.lock()
            finished[number] = result
            spare.append(emptied)
            condition.broadcast()
            condition.unlock()
        }
        ready.append(contentsOf: try takeReady())
        return ready
    }

    /// Holds a chunk for the one worker that compresses it, so that the worker ends up
    /// with the only reference and can empty the buffer in place.
    private final class Job: @unchecked Sendable {
        private(set) var bytes: [UInt8]
        init(_ bytes: consuming [UInt8]) { self.bytes = bytes }
        func take() -> [UInt8] {
            defer { bytes = [] }
            return bytes
        }
    }

    /// Every member still in flight, oldest first.
    func finish() throws -> [Member] {
        var ready: [Member] = []
        while delivered < submitted { ready.append(try waitForOldest()) }
        return ready
    }

    private func waitForOldest() throws -> Member {
        condition.lock()
        while finished[delivered] == nil { condition.wait() }
        let result = finished.removeValue(forKey: delivered)!
        condition.unlock()
        delivered += 1
        return try result.get()
    }

    private func takeReady() throws -> [Member] {
        var ready: [Member] = []
        condition.lock()
        defer { condition.unlock() }
        while let result = finished.removeValue(forKey: delivered) {
            delivered += 1
            ready.append(try result.get())
        }
        return ready
    }
}
