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
        router.get("api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        ArchiveAPI(archive: archive, bucket: bucket, logger: logger).register(on: router)
        let console = ConsolePage(archive: archive, bucket: bucket)
        router.get("/") { request, _ -> Response in
            var parameters: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
            let page = try await blocking { [parameters] in try console.render(parameters) }
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: ConsolePage.contentSecurityPolicy],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        }
        application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sediment"),
            onServerRunning: { channel in onListening(channel.localAddress?.port.map { "\(host):\($0)" } ?? address) },
            logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }
}
