import Foundation
import Logging

/// Runs a compactor on a thread of its own every `interval` (from one pass's start to the
/// next), for the topics a long-running command (`dump`) archives; `finish` stops it after
/// one last pass.
///
/// A failed pass is logged and retried at the next interval: the store keeps archiving
/// whatever compaction thinks of a message, and the error says what to change. Each
/// topic's error is kept until that topic compacts again: another topic's success does
/// not clear it, and `finish` reports it.
public final class BackgroundCompaction: @unchecked Sendable {
    private let compactor: Compactor
    private let topics: [(instance: String, topic: String)]
    private let interval: Duration
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var thread: Thread?
    private var done = false
    /// Guarded by `condition`.
    private var totals = CompactionSummary()
    /// Per topic (in `topics` order), the error of its last pass, if that pass failed.
    private var errors: [Int: any Error] = [:]

    /// Called after a pass that wrote window files (on the compaction thread, or the
    /// caller's for the last pass): the uploader's cue.
    private let onWindowsWritten: (@Sendable () -> Void)?

    public init(
        compactor: Compactor, topics: [(instance: String, topic: String)], interval: Duration, logger: Logger,
        onWindowsWritten: (@Sendable () -> Void)? = nil
    ) {
        self.compactor = compactor
        self.topics = topics
        self.interval = interval
        self.logger = logger
        self.onWindowsWritten = onWindowsWritten
    }

    public func start() {
        let thread = Thread { [self] in
            var next = Date().addingTimeInterval(intervalSeconds)
            while waitForNextPass(at: next) {
                let start = Date()
                let succeeded = pass()
                next = Self.nextPass(started: start, ended: Date(), succeeded: succeeded, interval: intervalSeconds)
            }
            condition.lock()
            done = true
            // The thread holds this closure, which holds self: let go of it, or the
            // compactor (and its sediment.compact.lock) outlives the run, and a task
            // started again in this process finds its archive locked.
            self.thread = nil
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "sediment.compaction"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread, then compacts once more on the caller's thread; with `closeAll`,
    /// that pass closes every window that holds messages. Returns what all passes wrote,
    /// or the error of the first topic whose last pass failed.
    public func finish(closeAll: Bool = false) throws -> CompactionSummary {
        stop()
        pass(closeAll: closeAll)
        return try condition.withLock {
            if let first = errors.keys.min(), let error = errors[first] { throw error }
            return totals
        }
    }

    /// Stops the thread, once its pass in progress is done, without another pass: what
    /// a dump that failed does, since the archive may be in no state to compact.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while thread != nil && !done { condition.wait() }
        condition.unlock()
    }

    /// When the pass after one that ran from `started` to `ended` begins: `interval` after
    /// its start, so that a pass that wrote windows for longer than that (a backlog closing
    /// as the dump reads it) is followed at once rather than an interval later; after a
    /// failed pass (any topic's), `interval` after its end, so that a failure is not
    /// retried at once.
    static func nextPass(started: Date, ended: Date, succeeded: Bool, interval: Double) -> Date {
        (succeeded ? started : ended).addingTimeInterval(interval)
    }

    private var intervalSeconds: Double {
        Double(interval.milliseconds) / 1000
    }

    private func waitForNextPass(at deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !stopping && Date() < deadline { _ = condition.wait(until: deadline) }
        return !stopping
    }

    /// Returns false when a topic's pass failed.
    @discardableResult
    private func pass(closeAll: Bool = false) -> Bool {
        var succeeded = true
        var wrote = false
        defer { if wrote { onWindowsWritten?() } }
        for (position, (instance, topic)) in topics.enumerated() {
            do {
                let summary = try compactor.compact(instance: instance, topic: topic, closeAll: closeAll)
                wrote = wrote || summary.files > 0
                condition.withLock {
                    totals.add(summary)
                    errors[position] = nil
                }
            } catch {
                logger.error("cannot compact topic '\(topic)': \(error)")
                condition.withLock { errors[position] = error }
                succeeded = false
            }
        }
        return succeeded
    }
}
