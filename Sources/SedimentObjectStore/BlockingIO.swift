import NIOPosix

/// The one executor for blocking work called from async code (file reads, fsync, SQLite):
/// NIO's shared thread pool, so that the cooperative pool's few threads never wait on a
/// disk. The library's async paths (uploads, the pipeline) use it for the index too.
public enum BlockingIO {
    public static func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
