import Foundation

/// Memory the bytes of runs are read into, kept for the next run once a run goes.
///
/// A compaction reads a segment block of about 256 KiB per run: allocated fresh, each one
/// came from `mmap` and went back with `munmap`, and faulting its pages in and out again
/// took a tenth of the merging thread's time. Buffers come in steps of 64 KiB (a block is
/// 256 KiB and one record, a window member 1 MiB and one line), and at most `limit` bytes
/// of them wait here, for the life of the process; the rest are freed.
final class RunBufferPool: @unchecked Sendable {
    static let shared = RunBufferPool(limit: 32 << 20)

    private let lock = NSLock()
    private let limit: Int
    private var free: [Int: [UnsafeMutableRawBufferPointer]] = [:]
    private var kept = 0

    init(limit: Int) { self.limit = limit }

    /// A buffer of at least `count` bytes, its contents undefined.
    func take(atLeast count: Int) -> UnsafeMutableRawBufferPointer {
        let size = Self.size(for: count)
        let reused: UnsafeMutableRawBufferPointer? = lock.withLock {
            guard let buffer = free[size]?.popLast() else { return nil }
            kept -= size
            return buffer
        }
        return reused ?? UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    }

    /// Takes back a buffer `take` gave; nothing may use it afterwards.
    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        let keep: Bool = lock.withLock {
            guard kept + buffer.count <= limit else { return false }
            free[buffer.count, default: []].append(buffer)
            kept += buffer.count
            return true
        }
        if !keep { buffer.deallocate() }
    }

    /// Bytes of buffers waiting here.
    var keptBytes: Int { lock.withLock { kept } }

    static func size(for count: Int) -> Int {
        let step = 64 << 10
        return max(1, (count + step - 1) / step) * step
    }
}
