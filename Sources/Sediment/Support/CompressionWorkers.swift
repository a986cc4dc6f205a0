import Foundation

/// A fixed set of threads, one per core, that run compression jobs first in, first out;
/// also the inflating of window members a query reads ahead, the segment blocks a
/// compaction reads ahead (`BlockReadAhead`) and a window's writes and digests
/// (`SerialLane`), so that a slow disk holds a worker from compressing meanwhile.
///
/// Dispatch's pool on Linux grows by watching for idle cores, and with the producer
/// thread busy on one of two cores it ran a single compressor for the first seconds of
/// every window. Threads of our own are all there from the first member.
final class CompressionWorkers: @unchecked Sendable {
    /// One thread per core; `SEDIMENT_COMPRESSION_THREADS` sets another number, which
    /// changes the speed and never the bytes (the tests compare 1 with 4).
    static let shared = CompressionWorkers(
        count: ProcessInfo.processInfo.environment["SEDIMENT_COMPRESSION_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount)

    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var head = 0

    private init(count: Int) {
        for number in 0..<max(1, count) {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "sediment.compress.\(number)"
            thread.start()
        }
    }

    func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
