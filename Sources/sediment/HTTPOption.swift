import ArgumentParser
import Logging
import SedimentHTTP
import ServiceLifecycle
import Sediment
import Synchronization

/// `--http ADDR` of the long-running commands: /metrics, /healthz and /readyz beside the tasks.
struct HTTPOption: ParsableArguments {
    @Option(help: ArgumentHelp("Serve /metrics (Prometheus), /healthz and /readyz on HOST:PORT, e.g. 127.0.0.1:9464 (port 0: any free port, printed on stderr).", valueName: "address"))
    var http: String?

    /// The server to run beside the tasks, with metrics bootstrapped; none without `--http`.
    func services(isReady: @escaping @Sendable () -> Bool, logger: Logger) throws -> [any Service] {
        guard let http else { return [] }
        let server = try StatusServer(
            address: http, registry: StatusServer.bootstrapMetrics(), isReady: isReady, logger: logger,
            onListening: { address in StandardError.write("sediment: serving http://\(address)/metrics, /healthz and /readyz\n") })
        return [server]
    }
}

/// What `/readyz` asks: every pipeline ready. Made before the pipelines, so that a bad
/// `--http` is refused before anything opens.
final class Readiness: Sendable {
    private let pipelines = Mutex<[Pipeline]>([])

    func watch(_ pipelines: [Pipeline]) { self.pipelines.withLock { $0 = pipelines } }

    var isReady: Bool {
        pipelines.withLock { !$0.isEmpty && $0.allSatisfy(\.isReady) }
    }
}
