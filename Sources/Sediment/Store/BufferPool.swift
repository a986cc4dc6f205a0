import Synchronization

/// Byte buffers handed back by the writer once their batch is on disk, for the next
/// batches to fill. Reusing them spares the kernel from mapping and zeroing fresh memory
/// for every batch, which costs as much as writing the bytes out.
final class BufferPool: Sendable {
    private let free = Mutex<[[UInt8]]>([])
    /// Bytes of capacity kept at most; what would go past it is released.
    let retainedBytes: Int

    init(retainedBytes: Int) {
        self.retainedBytes = retainedBytes
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
            for buffer in buffers where buffer.capacity > 0 && kept + buffer.capacity <= retainedBytes {
                kept += buffer.capacity
                pool.append(buffer)
            }
        }
    }
}
