import Hummingbird
import Logging
import NIOCore
import Sediment
import ServiceLifecycle

/// `sediment serve`: the archive API (`ArchiveAPI`), `/api/openapi.json` and `/healthz`,
/// read-only, behind `--token` when given. A `Service`.
public struct ArchiveServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// - Parameters:
    ///   - address: `HOST:PORT`; port 0 takes a free one, reported to `onListening`.
    ///   - token: when given, required on every route but `/healthz`.
    public init(
        archive: Archive, bucket: BucketSession?, address: String, token: String?, logger: Logger,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        let (host, port) = try StatusServer.parse(address)
        let router = Router()
        if let token {
            guard TokenMiddleware.isValid(token) else {
                throw SedimentError(.invalidArgument, "the token must be printable ASCII without spaces, quotes, commas, semicolons or backslashes")
            }
            router.add(middleware: TokenMiddleware(token: token))
        }
        router.get("healthz") { _, _ in "ok\n" }
        Self.mount(ArchiveRoutes(source: ArchiveSource(archive, logger: logger), bucket: bucket, logger: logger), on: router)
        application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sediment"),
            onServerRunning: { channel in onListening(channel.localAddress?.port.map { "\(host):\($0)" } ?? address) },
            logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }

    /// The API, `/api/openapi.json` and the console of one archive, on `router` or a group.
    static func mount(_ routes: ArchiveRoutes, on router: some RouterMethods<BasicRequestContext>) {
        router.get("api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        ArchiveAPI(source: routes.source, bucket: routes.bucket, logger: routes.logger).register(on: router)
        let console = ConsolePage(source: routes.source, bucket: routes.bucket, base: routes.base)
        router.get("/") { request, _ -> Response in
            let parameters = request.parameters
            let page = try await blocking { try console.render(parameters) }
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: ConsolePage.contentSecurityPolicy],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        }
    }
}

/// One archive served over HTTP, under `base` (`/` for `serve`, `/tasks/NAME/` for `run`).
public struct ArchiveRoutes: Sendable {
    public var source: ArchiveSource
    public var bucket: BucketSession?
    public var logger: Logger
    /// The path the routes hang from, with its trailing slash.
    public var base: String

    public init(source: ArchiveSource, bucket: BucketSession? = nil, logger: Logger, base: String = "/") {
        self.source = source
        self.bucket = bucket
        self.logger = logger
        self.base = base
    }
}
