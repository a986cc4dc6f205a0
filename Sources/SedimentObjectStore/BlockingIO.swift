import NIOPosix

/// The one executor for blocking work called from async code (file reads, fsync, SQLite):
/// NIO's shared thread pool, so that the cooperative pool's few threads never wait on a
/// disk. The library's async paths (uploads, the pipeline) use it for the index too.
public enum BlockingIO {
    public static func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    /// As `run`, whether or not the calling task is cancelled (`run` throws
    /// `CancellationError` then): for work that records what already happened, such as
    /// the end of a window hook, which a cancellation must not lose.
    public static func runToCompletion<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await Task.detached { try await run(body) }.value
    }
}
