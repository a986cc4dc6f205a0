import Foundation
import Testing
@testable import Sediment

/// One real failure per class, each with the exit code the README's table gives it, so
/// that a script can tell them apart: usage 64, data 65, I/O 74, remote 69. The object
/// store's refusals (remote), collisions (data) and missing credentials (usage) are shown
/// against SeaweedFS and `file://` in the upload and data-loss suites.
@Suite("Exit codes")
struct ExitCodeTests {
    let scratch = TemporaryDirectory(label: "exit-codes")

    func makeArchive() throws -> String {
        let archive = scratch.file("archive")
        let input = scratch.file("input.txt")
        try Data("one\ntwo\n".utf8).write(to: URL(fileURLWithPath: input))
        _ = try CLIProcess.succeed(["ingest", "--archive", archive, "--topic", "t", "--input-format", "lines", "--input", input], scratch: scratch)
        return archive
    }

    func expect(
        _ result: CLIProcess.Result, exit status: Int32, saying expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!result.signaled && result.status == status, "\(result.summary)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(expected), "expected '\(expected)' in: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("usage, 64: a flag value ArgumentParser cannot read, and one the command refuses")
    func usage() throws {
        let archive = try makeArchive()
        // ArgumentParser's own error prints the usage too, with the same code.
        let unreadable = try CLIProcess.run(["query", "--archive", archive, "--topic", "t", "--from", "0", "--limit", "many"], scratch: scratch)
        expect(unreadable, exit: ExitStatus.usage, saying: "'many'")
        #expect(unreadable.stderr.contains("Usage:"), "\(unreadable.stderr)")
        let refused = try CLIProcess.run(["query", "--archive", archive, "--topic", "t", "--from", "0", "--limit=-1"], scratch: scratch)
        expect(refused, exit: ExitStatus.usage, saying: "sediment: error: --limit must not be negative")
    }

    @Test("data, 65: a query on a topic the archive does not hold, and a malformed input line")
    func data() throws {
        let archive = try makeArchive()
        let query = try CLIProcess.run(["query", "--archive", archive, "--topic", "absent", "--from", "0"], scratch: scratch)
        expect(query, exit: ExitStatus.data, saying: "sediment: error: topic 'absent' is not in the archive")
        let input = scratch.file("bad.jsonl")
        try Data("{\"topic\":\"t\",\"offset\":\n".utf8).write(to: URL(fileURLWithPath: input))
        let ingest = try CLIProcess.run(["ingest", "--archive", archive, "--input-format", "jsonl", "--input", input], scratch: scratch)
        expect(ingest, exit: ExitStatus.data, saying: "sediment: error: \(input):1:")
    }

    @Test("I/O, 74: an archive another process writes, and an archive directory that cannot be created")
    func io() throws {
        let archive = try makeArchive()
        let input = scratch.file("more.txt")
        try Data("three\n".utf8).write(to: URL(fileURLWithPath: input))
        let ingest = ["ingest", "--archive", archive, "--topic", "t", "--input-format", "lines", "--input", input]
        let writer = try ArchiveWriter(at: archive)
        let locked = try CLIProcess.run(ingest, scratch: scratch)
        expect(locked, exit: ExitStatus.io, saying: "sediment: error: \(archive) is in use by another writer")
        withExtendedLifetime(writer) {}

        // Below a file, so that no directory can be made there, as root too.
        let blocked = scratch.file("plain-file")
        try Data().write(to: URL(fileURLWithPath: blocked))
        let unwritable = try CLIProcess.run(
            ["ingest", "--archive", blocked + "/archive", "--topic", "t", "--input-format", "lines", "--input", input], scratch: scratch)
        expect(unwritable, exit: ExitStatus.io, saying: "sediment: error: ")
        #expect(unwritable.stderr.contains(blocked), "\(unwritable.stderr)")
    }

    @Test("remote, 69: a broker that cannot be reached")
    func remote() throws {
        let result = try CLIProcess.run(
            ["dump", "--brokers", "127.0.0.1:1", "--topic", "t", "--archive", scratch.file("unreachable"), "--connect-timeout", "1s"],
            scratch: scratch, timeout: .seconds(60))
        expect(result, exit: ExitStatus.remote, saying: "sediment: error: cannot reach Kafka at 127.0.0.1:1")
    }
}
