import Foundation

/// Runs jobs one at a time, in the order they were submitted, on the compression workers:
/// work that must stay in order (writing a file, feeding its digests) leaves the thread
/// that submits it without a thread of its own.
///
/// At most `limit` jobs wait: `submit` blocks beyond that, so the submitter cannot run
/// ahead of the lane by more than `limit` jobs' memory. After a job throws, the rest are
/// skipped, and `submit` and `drain` throw that first error: the submitter stops at the
/// next job instead of working on for a lane that no longer writes.
final class SerialLane: @unchecked Sendable {
    private let condition = NSCondition()
    private let limit: Int
    /// Waiting, oldest first; at most `limit`, so taking the first costs nothing.
    private var jobs: [@Sendable () throws -> Void] = []
    private var running = false
    private var failure: (any Error)?

    init(limit: Int = 8) { self.limit = max(1, limit) }

    func submit(_ job: @escaping @Sendable () throws -> Void) throws {
        condition.lock()
        while jobs.count >= limit && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw failure
        }
        jobs.append(job)
        let starts = !running
        running = true
        condition.unlock()
        if starts { CompressionWorkers.shared.run { [self] in runJobs() } }
    }

    /// Waits for every job submitted so far; throws the first error one of them threw.
    func drain() throws {
        condition.lock()
        while running { condition.wait() }
        let failure = failure
        condition.unlock()
        if let failure { throw failure }
    }

    private func runJobs() {
        while true {
            condition.lock()
            guard !jobs.isEmpty else {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            let skip = failure != nil
            condition.broadcast()
            condition.unlock()
            guard !skip else { continue }
            do {
                try job()
            } catch {
                condition.withLock {
                    failure = failure ?? error
                    condition.broadcast()
                }
            }
        }
    }
}
