import ArgumentParser
import Foundation
import Sediment
import SedimentHTTP
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an archive over HTTP, read-only: topics, status, windows and queries as JSON.",
        discussion: """
            Routes: GET /api/topics, /api/status (what status --json prints), \
            /api/windows?topic=&from=&to= (window files with their upload states), \
            /api/query?topic=&from=&to=&partition=&key=&format=jsonl|value&limit= (what query \
            prints, streamed), /api/openapi.json (their description) and /healthz. Times are \
            read as query --from reads them. A bad parameter is a 400 naming it, a topic the \
            archive does not hold a 404, both with a JSON body.

            Listens on 127.0.0.1:9080 unless --http says otherwise. With --token (or \
            SEDIMENT_TOKEN), every route but /healthz needs Authorization: Bearer TOKEN; a \
            browser opens /?token=TOKEN once and keeps it in an HttpOnly cookie. --target (and \
            the credential options) lets queries read windows only a bucket holds. Stops on \
            SIGINT or SIGTERM.
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("HOST:PORT to listen on (port 0: any free port, printed on stderr).", valueName: "address"))
    var http = "127.0.0.1:9080"

    @Option(help: ArgumentHelp("A bearer token every route but /healthz requires (default: $SEDIMENT_TOKEN; none when unset).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("A bucket queries may read windows from that the archive no longer holds.", valueName: "uri"))
    var target: String?

    @Option(help: ArgumentHelp("The key template of --target's objects.", valueName: "template"))
    var keyTemplate = KeyTemplate.defaultTemplate

    @OptionGroup var credentials: CredentialOptions

    func run() async throws {
        let logger = common.makeLogger()
        try await reportingAsyncErrors {
            let archive = try Archive.open(at: common.archive, logger: logger)
            let token = token ?? ProcessInfo.processInfo.environment["SEDIMENT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            let bucket = credentials.bucketSession(target: try target.map { BucketSession.Target(uri: $0, template: try KeyTemplate(keyTemplate)) }, logger: logger)
            let server = try ArchiveServer(
                archive: archive, bucket: bucket, address: http, token: token, logger: logger,
                onListening: { StandardError.write("sediment: serving http://\($0)/ (the archive \(archive.layout.root))\n") })
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            defer { try? bucket.shutdownWaiting() }
            try await group.run()
        }
    }
}
