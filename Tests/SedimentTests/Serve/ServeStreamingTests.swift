import Foundation
import Testing
@testable import Sediment

/// `/api/query` streams: a client that stops reading and goes away stops the read.
@Suite("serve: streaming")
struct ServeStreamingTests {
    @Test("a client that reads 64 KiB of a 150,000-message answer and hangs up stops the query there")
    func disconnectStopsTheRead() throws {
        let scratch = TemporaryDirectory(label: "serve-stream")
        let fixture = CompactionFixture(label: "serve-stream")
        var factory = MessageFactory(seed: 9)
        let total = 150_000
        try fixture.append((0..<total).map { index in
            var message = factory.message(partition: Int32(index % 3), offset: Int64(index / 3), timestamp: windowBase + Int64(index))
            message.value = Array(repeating: UInt8(ascii: "v"), count: 100)
            return message
        })
        let server = try CLIProcess(["serve", "--archive", fixture.path, "--http", "127.0.0.1:0", "--log-level", "info"], scratch: scratch)
        defer {
            server.terminate()
            _ = try? server.wait(timeout: .seconds(10))
        }
        let port = Int(try server.servingAddress().split(separator: ":").last!)!
        let socket = try TestSocket(port: port)
        let deadline = ContinuousClock.now + .seconds(60)
        try socket.send("GET /api/query?topic=orders&from=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let start = try socket.read(atLeast: 65_536)
        #expect(start.contains("HTTP/1.1 200"), "\(start.prefix(200))")
        socket.close()

        var sent: Int?
        while sent == nil, ContinuousClock.now < deadline {
            sent = server.stderrSoFar.firstMatch(of: /msg="query stopped: the client went away" sent=(\d+)/).map { Int($0.1)! }
            if sent == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let stoppedAt = try #require(sent, "no sign the read stopped: \(server.stderrSoFar)")
        #expect(stoppedAt < total / 2, "sent \(stoppedAt) of \(total) before stopping")
    }
}
