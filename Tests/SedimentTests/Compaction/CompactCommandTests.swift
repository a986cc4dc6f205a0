import Foundation
import Testing
@testable import Sediment

/// `sediment compact` as a process: what its flags select.
@Suite("sediment compact")
struct CompactCommandTests {
    let scratch = TemporaryDirectory(label: "compact-command")

    @Test("compact --instance with --target uploads only that instance's windows, as it compacts only that instance's topics")
    func instanceSelectsUploads() throws {
        let archive = scratch.file("two-instances")
        let writer = try ArchiveWriter(at: archive)
        for instance in ["east", "west"] {
            _ = try writer.append(
                (0..<10).map { Message(offset: $0, timestamp: 1_764_000_000_000 + $0, value: Array("\(instance) \($0)".utf8)) },
                instance: instance, topic: "orders")
        }
        withExtendedLifetime(writer) {}
        // Both instances' windows are written; a target comes later.
        _ = try CLIProcess.succeed(["compact", "--archive", archive, "--close-all"], scratch: scratch)
        let bucket = scratch.file("bucket")
        _ = try CLIProcess.succeed(
            ["compact", "--archive", archive, "--instance", "east", "--close-all", "--target", "file://" + bucket,
             "--key-template", "{instance}/{topic}/{date}/{timestamp}"], scratch: scratch)
        let keys = try FileManager.default.subpathsOfDirectory(atPath: bucket).filter { $0.hasSuffix(".jsonl.gz") }
        #expect(keys.count == 1 && keys.allSatisfy { $0.hasPrefix("east/orders/") }, "\(keys)")
    }
}
