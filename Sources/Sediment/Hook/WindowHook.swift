/// A command run once per window file (`--on-window CMD`; a config file's `on-window` and
/// `hook-retries`): the seed product's custom sink. It runs after the window's file is
/// written, and, when the task uploads, after the target confirmed the object and its
/// manifest. It gets the window's manifest as JSON on stdin and its fields as environment
/// variables (`HookEnvironment`).
///
/// Exit 0 records the window's hook as done in the index: it never runs again for that
/// window. Any other end is a failure, retried `retries` times after `backoff`'s waits
/// (by default 2 s, 4 s, 8 s, 16 s, 32 s, doubling up to 5 minutes), then recorded as
/// failed; failed windows get a new series of retries when the next process with a hook
/// starts. A hook cut short by a crash of its process runs again (`SEDIMENT_ATTEMPT`
/// above 1), so a command must be idempotent. At a graceful shutdown a running hook has the
/// pipeline's `shutdownTimeout` to finish.
///
///     var configuration = PipelineConfiguration(archive: "/data/archive", dump: dump)
///     configuration.hook = WindowHook(command: "examples/hooks/load-postgres.sh")
public struct WindowHook: Sendable, Hashable {
    public var command: Command
    /// Failed runs of a window's hook retried before it is recorded as failed. Default 5.
    public var retries = 5
    /// The waits between a window's failed runs: 2 s after the first, doubling, at most
    /// 5 minutes (`healthyAfter` plays no part).
    public var backoff = RetryBackoff(initial: .seconds(2), maximum: .seconds(300))

    public init(command: Command) {
        self.command = command
    }

    /// A command line for `/bin/sh -c`, as `--on-window` gives it.
    public init(command: String) {
        self.init(command: .shell(command))
    }

    /// Refuses settings that cannot work, before anything is opened.
    public func validate() throws {
        let empty = switch command {
        case .shell(let line): line.allSatisfy(\.isWhitespace)
        case .command(let words): words.first?.isEmpty ?? true
        }
        if empty { throw SedimentError(.invalidArgument, "`hook` has an empty command: give the command to run for each window") }
        if retries < 0 { throw SedimentError(.invalidArgument, "`hookRetries` must be 0 or more, not \(retries)") }
        if backoff.initial < .zero || backoff.maximum < backoff.initial {
            throw SedimentError(
                .invalidArgument, "the hook's backoff (\(backoff.initial) doubling to \(backoff.maximum)) must start at 0 or more and stay below its maximum")
        }
    }
}
