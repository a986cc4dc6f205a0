import Testing
@testable import Sediment

@Suite("Run buffer pool")
struct RunBufferPoolTests {
    @Test("sizes go in steps of 64 KiB; a buffer given back is the next one taken of its size")
    func reuse() {
        #expect(RunBufferPool.size(for: 0) == 64 << 10)
        #expect(RunBufferPool.size(for: 65_536) == 64 << 10)
        #expect(RunBufferPool.size(for: 65_537) == 128 << 10)
        #expect(RunBufferPool.size(for: 262_381) == 320 << 10, "a block: 256 KiB and a record")
        #expect(RunBufferPool.size(for: (1 << 20) + 300) == 1088 << 10, "a window member: 1 MiB and a line")
        let pool = RunBufferPool(limit: 1 << 20)
        let first = pool.take(atLeast: 100_000)
        #expect(first.count == 128 << 10)
        pool.give(first)
        #expect(pool.keptBytes == 128 << 10)
        let second = pool.take(atLeast: 70_000)
        #expect(second.baseAddress == first.baseAddress)
        #expect(pool.keptBytes == 0)
        pool.give(second)
    }

    @Test("keeps at most its limit of bytes; what comes back beyond it is freed")
    func limit() {
        let pool = RunBufferPool(limit: 256 << 10)
        let buffers = (0..<3).map { _ in pool.take(atLeast: 100_000) }
        for buffer in buffers { pool.give(buffer) }
        #expect(pool.keptBytes == 256 << 10)
        let again = (0..<3).map { _ in pool.take(atLeast: 100_000) }
        #expect(pool.keptBytes == 0)
        for buffer in again { pool.give(buffer) }
    }
}
