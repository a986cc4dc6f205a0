import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import Sediment
import ServiceLifecycle

/// The HTTP side of a long-running task (`run` and `dump` with `--http`):
///
/// - `/metrics`: every metric of `PipelineMetrics`, in Prometheus' text format;
/// - `/healthz`: 200 while the process serves;
/// - `/readyz`: 200 while every task is consuming (brokers answered, archive open), 503
///   before that and once one has stopped.
///
/// A `Service`: run it in the tasks' service group, and it stops with them.
public struct StatusServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// - Parameters:
    ///   - address: `HOST:PORT`; port 0 takes a free one, reported to `onListening`.
    ///   - registry: where the bootstrapped metrics are (`StatusServer.bootstrapMetrics()`).
    ///   - archives: the archives to serve `serve`'s API and console for: one with an empty
    ///     name at `/` (`dump`), or each under `/tasks/NAME/` with an index at `/` (`run`).
    public init(
        address: String, registry: PrometheusCollectorRegistry, isReady: @escaping @Sendable () -> Bool,
        archives: [(name: String, routes: ArchiveRoutes)] = [], logger: Logger,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        let (host, port) = try Self.parse(address)
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("healthz") { _, _ in "ok\n" }
        if archives.count == 1, archives[0].name.isEmpty {
            ArchiveServer.mount(archives[0].routes, on: router)
        } else if !archives.isEmpty {
            for (name, routes) in archives { ArchiveServer.mount(routes, on: router.group(RouterPath("tasks/\(name)"))) }
            let index = TaskIndexPage(tasks: archives.map(\.name))
            router.get("/") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: index.html)))
            }
        }
        router.get("readyz") { _, _ -> Response in
            let ready = isReady()
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "not ready\n")))
        }
        application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sediment"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port.map { "\(host):\($0)" } ?? address
                onListening(bound)
            },
            logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }

    /// Makes swift-metrics report into a Prometheus registry, once a process; returns it.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// `HOST:PORT`, the host a name or an IPv4 address (`0.0.0.0` for every interface).
    static func parse(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65_535).contains(port), colon != address.startIndex
        else {
            throw SedimentError(.invalidArgument, "cannot read the HTTP address '\(address)': give HOST:PORT, e.g. 127.0.0.1:9464 or 0.0.0.0:9464")
        }
        return (String(address[..<colon]), port)
    }
}
