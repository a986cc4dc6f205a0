import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import Sediment

/// `sediment serve` over an archive of 3,000 messages in 3 partitions, half of it
/// compacted into 5-minute windows uploaded to a directory bucket, and an HTTP client.
final class ServeFixture {
    let scratch: TemporaryDirectory
    let archive: CompactionFixture
    let server: CLIProcess
    let base: String
    let token: String?
    /// Redirects are answers to check, not to follow.
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    init(label: String, token: String? = nil) throws {
        scratch = TemporaryDirectory(label: label)
        let (archive, _) = try ReplayTests.archive(count: 3000, partitions: 3, label: label)
        self.archive = archive
        _ = try CLIProcess.succeed(
            ["compact", "--archive", archive.path, "--granularity", "5m", "--keep-segments", "--target", "file://" + scratch.file("bucket")],
            scratch: scratch)
        self.token = token
        server = try CLIProcess(
            ["serve", "--archive", archive.path, "--http", "127.0.0.1:0"] + (token.map { ["--token", $0] } ?? []), scratch: scratch)
        base = try server.servingAddress()
    }

    deinit {
        server.terminate()
        _ = try? server.wait(timeout: .seconds(10))
        try? client.syncShutdown()
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// GET `path` (with the token as a bearer unless `authorized` is false).
    func get(_ path: String, authorized: Bool = true, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        if authorized, let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 30)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
    }

    /// A request line sent as is, for paths an HTTP client would normalise; the status.
    func rawStatus(_ requestLine: String) throws -> Int {
        let port = Int(base.split(separator: ":").last!)!
        let socket = try TestSocket(port: port)
        defer { socket.close() }
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        try socket.send("\(requestLine)\r\nHost: 127.0.0.1\r\n\(auth)Connection: close\r\n\r\n")
        let reply = try socket.readAll()
        guard let line = reply.split(separator: "\r\n").first, let status = Int(line.split(separator: " ")[1]) else {
            throw CLIProcess.Failure(description: "no status line in: \(reply)")
        }
        return status
    }
}
