import ArgumentParser
import Logging
import SedimentHTTP
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif
import Sediment
import Synchronization

/// What the long-running commands (`dump`, `run`) share: `--http` (/metrics, /healthz and
/// /readyz beside the tasks) and how they stop.
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve /metrics (Prometheus), /healthz and /readyz on HOST:PORT, e.g. 127.0.0.1:9464 (port 0: any free port, printed on stderr).", valueName: "address"))
    var http: String?

    @Option(help: ArgumentHelp("After SIGTERM or SIGINT, how long uploads may go on before they are left for the next start; a second signal exits at once.", valueName: "duration"))
    var shutdownTimeout = "30s"

    func shutdownDuration() throws -> Duration {
        try DurationExpression.parse(shutdownTimeout, option: "--shutdown-timeout")
    }

    /// The server to run beside the tasks, with metrics bootstrapped; none without `--http`.
    /// `archives`: the archives whose API and console it serves beside (see `StatusServer`).
    func services(isReady: @escaping @Sendable () -> Bool, archives: [(name: String, path: String)], logger: Logger) throws -> [any Service] {
        guard let http else { return [] }
        let routes = archives.map { archive in
            (archive.name, ArchiveRoutes(source: ArchiveSource(path: archive.path, logger: logger), logger: logger, base: archive.name.isEmpty ? "/" : "/tasks/\(archive.name)/"))
        }
        let server = try StatusServer(
            address: http, registry: StatusServer.bootstrapMetrics(), isReady: isReady, archives: routes, logger: logger,
            onListening: { address in StandardError.write("sediment: serving http://\(address)/metrics, /healthz and /readyz\n") })
        return [server]
    }
}

/// What `/readyz` asks: the dump's pipeline, or every task of `run`, ready. Made before
/// them, so that a bad `--http` is refused before anything opens.
final class Readiness: Sendable {
    private let check = Mutex<(@Sendable () -> Bool)?>(nil)

    func watch(_ pipelines: [Pipeline]) {
        check.withLock { $0 = { !pipelines.isEmpty && pipelines.allSatisfy(\.isReady) } }
    }

    func watch(_ runner: TaskRunner) {
        check.withLock { $0 = { runner.isReady } }
    }

    var isReady: Bool { check.withLock { $0 }?() ?? false }
}

/// A second SIGTERM or SIGINT, while the first one's graceful shutdown runs, ends the
/// process at once (exit 128 + the signal), as an impatient operator expects. That is
/// safe: what was committed is durable, and the next start recovers the rest as after a
/// crash.
@Sendable
func exitAtOnce(_ signal: UnixSignal) {
    StandardError.write("sediment: \(signal) again: exiting at once; the next start recovers\n")
    _exit(128 + signal.rawValue)
}
