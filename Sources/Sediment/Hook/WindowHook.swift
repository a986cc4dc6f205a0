/// A command run once per window file (`--on-window CMD`, the config key `on-window`):
/// the seed product's custom sink. It runs through `/bin/sh -c` after the window's file is
/// written, and, when the task uploads, after the target confirmed the object and its
/// manifest. It gets the window's manifest as JSON on stdin and its fields as
/// environment variables (`HookEnvironment`).
///
/// Exit 0 records the window's hook as done in the index: it never runs again for that
/// window. Any other end is a failure, retried `retries` times after `backoff`, doubling
/// up to `maxBackoff` (defaults: 2 s, 4 s, 8 s, 16 s, 32 s), then recorded as failed;
/// failed windows get a new series of retries when the next process with a hook starts.
/// A hook cut short by a crash of its process runs again (`SEDIMENT_ATTEMPT` above 1),
/// so a command must be idempotent.
///
///     var configuration = PipelineConfiguration(archive: "/data/archive", dump: dump)
///     configuration.hook = WindowHook(command: "examples/hooks/load-postgres.sh")
public struct WindowHook: Sendable, Hashable {
    /// The command line, run as `/bin/sh -c COMMAND` in the process's working directory.
    public var command: String
    /// Failed runs of a window's hook retried before it is recorded as failed. Default 5.
    public var retries = 5
    /// The wait before the first retry; each next retry waits twice as long. Default 2 s.
    public var backoff: Duration = .seconds(2)
    /// The longest wait between two runs of a window's hook. Default 5 min.
    public var maxBackoff: Duration = .seconds(300)
    /// At a graceful shutdown, how long a running hook may go on before it is sent
    /// SIGTERM (and SIGKILL 5 s later); a window whose hook was stopped stays pending.
    /// Default 30 s.
    public var shutdownGrace: Duration = .seconds(30)

    public init(command: String) {
        self.command = command
    }

    /// Refuses settings that cannot work, before anything is opened.
    public func validate() throws {
        if command.allSatisfy(\.isWhitespace) {
            throw SedimentError(.invalidArgument, "`hook` has an empty command: give the command to run for each window")
        }
        if retries < 0 { throw SedimentError(.invalidArgument, "`hookRetries` must be 0 or more, not \(retries)") }
        if backoff < .zero || maxBackoff < backoff {
            throw SedimentError(.invalidArgument, "the hook's `backoff` (\(backoff)) must be 0 or more and at most its `maxBackoff` (\(maxBackoff))")
        }
    }

    /// The wait after the `failures`-th failed run in a row (1 for the first):
    /// `backoff` doubled `failures - 1` times, at most `maxBackoff`.
    public func delay(afterFailures failures: Int) -> Duration {
        var delay = backoff
        for _ in 1..<max(1, failures) {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }
}
