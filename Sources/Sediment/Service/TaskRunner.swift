import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs the tasks of a config file side by side, each as its own `Pipeline`, as one
/// `Service`.
///
/// A task that fails (its brokers unreachable, its target refusing, its archive locked)
/// is logged with its name and error and started again after `RetryBackoff`'s wait,
/// while the others go on. A graceful shutdown (SIGTERM, SIGINT) stops every task the
/// way `dump` stops: each writes and commits what it holds, compacts, uploads once more.
/// A task that stops by itself (`until-caught-up`) is done and is not started again; the
/// runner returns once every task is done or stopped.
///
///     let runner = TaskRunner(tasks: configuration.tasks, logger: logger)
///     let outcomes = try await runner.run(untilSignals: [.sigterm, .sigint])
public final class TaskRunner: Service, Sendable {
    public struct Options: Sendable {
        /// Default `RetryBackoff()`: 1 s doubling to 5 minutes.
        public var backoff = RetryBackoff()
        /// Each task's `PipelineConfiguration.shutdownTimeout`. Default 30 s.
        public var shutdownTimeout: Duration = .seconds(30)

        public init() {}
    }

    /// What happens to the tasks, in order per task: for logs, a console, tests.
    public enum Event: Sendable {
        case started(task: String, attempt: Int)
        /// The attempt failed; the next starts after `retryIn` unless shutdown comes first.
        case failed(task: String, attempt: Int, error: any Error, retryIn: Duration)
        /// The task returned: caught up, or stopped by a graceful shutdown.
        case finished(task: String, summary: DumpSummary)
    }

    /// How one task ended.
    public struct Outcome: Sendable {
        public var task: String
        /// The last run's summary; nil if no run returned (every attempt failed).
        public var summary: DumpSummary?
        public var attempts = 0
        public var failures = 0
        /// The last failure's message, nil if none.
        public var lastError: String?
    }

    public let tasks: [RunTask]
    public let options: Options
    private let logger: Logger
    private let onEvent: (@Sendable (Event) -> Void)?
    private let result = Mutex<[Outcome]>([])
    /// The pipeline each task runs now; a task absent here is between attempts or done.
    private let running = Mutex<[String: Pipeline]>([:])

    public init(tasks: [RunTask], options: Options = Options(), logger: Logger, onEvent: (@Sendable (Event) -> Void)? = nil) {
        self.tasks = tasks
        self.options = options
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Per task, in the file's order, once `run` has returned.
    public var outcomes: [Outcome] { result.withLock { $0 } }

    /// Every task runs a pipeline that is ready (brokers answered, archive open): what
    /// `/readyz` reports. False between a failure and the next attempt.
    public var isReady: Bool {
        running.withLock { running in tasks.allSatisfy { running[$0.name]?.isReady == true } }
    }

    /// Runs until every task is done, or one of `signals` arrives and every task has
    /// stopped gracefully. `alongside` (an HTTP server) run in the same group, stopped last;
    /// a second signal goes to `onSecondSignal`.
    public func run(
        untilSignals signals: [UnixSignal], alongside: [any Service] = [], onSecondSignal: (@Sendable (UnixSignal) -> Void)? = nil
    ) async throws -> [Outcome] {
        try await ServiceGroup.run(
            [(self, stopsGroup: true)] + alongside.map { ($0, stopsGroup: false) }, stoppingOn: signals, onSecondSignal: onSecondSignal,
            logger: logger)
        return outcomes
    }

    public func run() async throws {
        let outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, task) in tasks.enumerated() {
                group.addTask { (index, await self.supervise(task)) }
            }
            var outcomes: [(Int, Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
        result.withLock { $0 = outcomes }
    }

    /// Runs one task until it returns or shutdown comes, starting it again after each failure.
    private func supervise(_ task: RunTask) async -> Outcome {
        var logger = logger
        logger[metadataKey: "task"] = "\(task.name)"
        var outcome = Outcome(task: task.name)
        var failuresInARow = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            outcome.attempts += 1
            onEvent?(.started(task: task.name, attempt: outcome.attempts))
            let started = ContinuousClock.now
            do {
                let summary = try await runOnce(task, logger: logger)
                outcome.summary = summary
                logger.notice("task finished", metadata: ["stored": "\(summary.stored)"])
                onEvent?(.finished(task: task.name, summary: summary))
                return outcome
            } catch {
                outcome.failures += 1
                outcome.lastError = "\(error)"
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    logger.error("task failed while stopping: \(error)")
                    return outcome
                }
                failuresInARow = ContinuousClock.now - started >= options.backoff.healthyAfter ? 1 : failuresInARow + 1
                let delay = options.backoff.delay(afterFailures: failuresInARow)
                logger.error(
                    "task failed, starting it again in \(DurationExpression.text(delay)): \(error)",
                    metadata: ["attempt": "\(outcome.attempts)", "failuresInARow": "\(failuresInARow)"])
                onEvent?(.failed(task: task.name, attempt: outcome.attempts, error: error, retryIn: delay))
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
        return outcome
    }

    /// One run of the task's pipeline; a graceful shutdown reaches it through the task.
    private func runOnce(_ task: RunTask, logger: Logger) async throws -> DumpSummary {
        var configuration = try task.pipelineConfiguration(logger: logger)
        configuration.shutdownTimeout = options.shutdownTimeout
        let pipeline = try await Pipeline.starting(configuration: configuration, logger: logger)
        running.withLock { $0[task.name] = pipeline }
        defer { running.withLock { $0[task.name] = nil } }
        try await pipeline.run()
        return pipeline.summary ?? DumpSummary()
    }
}
