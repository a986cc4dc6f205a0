import Foundation
import Testing
@testable import Sediment

@Suite("sediment mock-cluster")
struct MockClusterCommandTests {
    let scratch = TemporaryDirectory(label: "mock-cluster")

    @Test("serves kcat and dump on the address it prints, and stops on SIGTERM")
    func servesClients() throws {
        let server = try CLIProcess(["mock-cluster", "--topic", "demo:2"], scratch: scratch)
        try waitUntil("the bootstrap address is printed") { server.stdoutSoFar.hasSuffix("\n") }
        let bootstrap = server.stdoutSoFar.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bootstrap.hasPrefix("127.0.0.1:") || bootstrap.hasPrefix("localhost:"), "\(bootstrap)")

        let lines = (0..<200).map { "line \($0)" }
        _ = try Kcat.run(["-P", "-b", bootstrap, "-t", "demo", "-p", "1"], input: Data((lines.joined(separator: "\n") + "\n").utf8))
        let consumed = try Kcat.run(["-C", "-b", bootstrap, "-t", "demo", "-p", "1", "-e", "-o", "beginning", "-f", "%s\n"])
        #expect(String(decoding: consumed, as: UTF8.self) == lines.joined(separator: "\n") + "\n")

        let archive = scratch.file("archive")
        let dump = try CLIProcess.run(["dump", "--brokers", bootstrap, "--topic", "demo", "--archive", archive, "--until-caught-up"], scratch: scratch)
        #expect(dump.succeeded, "\(dump.summary)")
        let values = try Archive.open(at: archive).messages(of: PartitionKey(instance: "local", topic: "demo", partition: 1), offsets: 0...Int64.max).all()
        #expect(values.map { String(decoding: $0.value ?? [], as: UTF8.self) } == lines)

        server.terminate()
        let result = try server.wait(timeout: .seconds(30))
        #expect(result.succeeded, "\(result.summary)")
    }
}
