import Synchronization

/// Byte buffers handed back by the writer once their batch is on disk, for the next
/// batches to fill. Reusing them spares the kernel from mapping and zeroing fresh memory
/// for every batch, which costs as much as writing the bytes out.
final class BufferPool: Sendable {
    private let free = Mutex<[[UInt8]]>([])
    /// Bytes of capacity kept at most; what would go past it is released.
    let retainedBytes: Int
    /// Buffers kept at most. The pool pays off for a partition's large buffer (ingest: one
    /// of 16 MiB or more a batch, at most three kept by `retainedBytes` anyway). A dump of
    /// hundreds of partitions hands back dozens of buffers of about 1 MiB (a partition's
    /// share of a fetch) a batch; kept, each went to whichever partition came next, which
    /// grew it further or used a fraction of it. Dumping 1 GB from 512 partitions of the
    /// mock (16 MiB consumer queue) peaked at 280 MB RSS with up to 64 MiB kept, 209-214 MB
    /// with 17 MiB, 173-184 MB with none, 175-177 MB with 4 buffers, in the same time.
    let retainedBuffers: Int

    init(retainedBytes: Int, retainedBuffers: Int) {
        self.retainedBytes = retainedBytes
        self.retainedBuffers = retainedBuffers
    }

    /// An empty buffer, with the capacity of one handed back if there is one.
    func take() -> [UInt8] {
        var buffer = free.withLock { $0.popLast() } ?? []
        // Cleared here, where the buffer has a single owner: clearing a shared one would
        // allocate new storage, the very cost the pool is for.
        buffer.removeAll(keepingCapacity: true)
        return buffer
    }

    func giveBack(_ buffers: [[UInt8]]) {
        free.withLock { pool in
            var kept = pool.reduce(0) { $0 + $1.capacity }
            for buffer in buffers where buffer.capacity > 0 && kept + buffer.capacity <= retainedBytes && pool.count < retainedBuffers {
                kept += buffer.capacity
                pool.append(buffer)
            }
        }
    }
}
