import Foundation
import GRDB
import SedimentTestSupport
import Testing
@testable import Sediment

/// The example hook, `examples/hooks/load-postgres.sh`, against a real PostgreSQL server:
/// what `dump` and `compact` archive reaches a table, every message once, byte for byte.
@Suite("examples/hooks/load-postgres.sh")
struct PostgresHookTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/hooks/load-postgres.sh").path

    @Test("loads each window's messages into PostgreSQL once, byte for byte; running the hooks again changes nothing")
    func loadsWindows() async throws {
        let postgres = try await PostgreSQLServer.running()
        let scratch = TemporaryDirectory(label: "hook-postgres")
        let kafka = try KafkaFixture(topics: ["orders": 3])
        // Three 5-minute windows, long closed; keys, values and headers of every shape.
        let start = (WallClock.nowMilliseconds() / minutes(5) - 20) * minutes(5)
        try kafka.produce(topic: "orders", partitions: 3, count: 600, startTimestamp: start, spacing: 1500)
        let table = "hook_test_\(UUID().uuidString.prefix(8).lowercased())"
        var environment = postgres.environment
        environment["SEDIMENT_PG_TABLE"] = table
        let archive = scratch.file("archive")
        let hook = ["--on-window", Self.script]

        // The dump loads the windows it closes; compact --close-all the last one.
        _ = try CLIProcess.succeed(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", archive, "--until-caught-up", "--linger", "50ms",
             "--granularity", "5m", "--grace", "1s"] + hook,
            scratch: scratch, environment: environment, timeout: .seconds(180))
        _ = try CLIProcess.succeed(["compact", "--archive", archive, "--close-all"] + hook, scratch: scratch, environment: environment)
        let files = try Archive.open(at: archive).hookRows()
        #expect(files.count >= 3 && files.allSatisfy { $0.state == HookState.done.rawValue && $0.attempts == 1 }, "\(files)")
        try expectTable(table, holds: kafka, windowFiles: files.count, postgres: postgres)

        // Every window's hook again (as after a crash between its end and its record): the
        // same rows, once.
        let index = try Archive.openForUpdate(at: archive).index
        try index.write { db in try db.execute(sql: "UPDATE window_hooks SET state = 'failed'") }
        let again = try CLIProcess.succeed(["compact", "--archive", archive] + hook, scratch: scratch, environment: environment)
        #expect(String(decoding: again, as: UTF8.self).contains("hooks: \(files.count) done, 0 failed"))
        #expect(try Archive.open(at: archive).hookRows().allSatisfy { $0.state == HookState.done.rawValue && $0.attempts == 2 })
        try expectTable(table, holds: kafka, windowFiles: files.count, postgres: postgres)
    }

    @Test("refuses a window file that is not the one Sediment recorded, and a text window, loading nothing")
    func refusesWhatItCannotLoad() async throws {
        let postgres = try await PostgreSQLServer.running()
        let scratch = TemporaryDirectory(label: "hook-postgres-refused")
        let table = "hook_refused_\(UUID().uuidString.prefix(8).lowercased())"
        let window = scratch.file("window.jsonl.gz")
        try Data(#"{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":1,"key":null,"payload":"x"}"#.utf8 + [0x0A])
            .write(to: URL(fileURLWithPath: scratch.file("window.jsonl")))
        _ = try CompactionFixture.run("gzip", [scratch.file("window.jsonl")])
        var environment = postgres.environment.merging([
            "SEDIMENT_PG_TABLE": table, "SEDIMENT_WINDOW_PATH": window, "SEDIMENT_FORMAT": "jsonl", "SEDIMENT_INSTANCE": "local",
            "SEDIMENT_TOPIC": "t", "SEDIMENT_WINDOW_START_ISO": "2025-11-24T16:00:00.000Z", "SEDIMENT_PART": "1",
            "SEDIMENT_MESSAGES": "1", "SEDIMENT_SHA256": String(repeating: "0", count: 64),
        ]) { $1 }
        #expect(try run(Self.script, environment: environment) == 1, "a SHA-256 that differs")
        environment["SEDIMENT_SHA256"] = try TestFiles.sha256(file: window)
        environment["SEDIMENT_MESSAGES"] = "2"
        #expect(try run(Self.script, environment: environment) == 3, "a count that differs: psql's error")
        environment["SEDIMENT_FORMAT"] = "text"
        #expect(try run(Self.script, environment: environment) == 2)
        environment["SEDIMENT_FORMAT"] = "jsonl"
        environment["SEDIMENT_MESSAGES"] = "1"
        #expect(try run(Self.script, environment: environment) == 0)
        #expect(try postgres.query("SELECT count(*) FROM \(table)") == "1\n")
    }

    /// The table holds every message the fixture produced, once: its columns and its JSON
    /// line, read back with a strict JSON decoder, equal to what was produced.
    private func expectTable(
        _ table: String, holds kafka: KafkaFixture, windowFiles: Int, postgres: PostgreSQLServer,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let produced = (kafka.produced["orders"] ?? [:]).sorted { $0.key < $1.key }.flatMap { partition, messages in
            messages.map { (partition, $0) }
        }
        let columns = try postgres.query("""
            SELECT partition || ' ' || "offset" || ' ' || (extract(epoch FROM "timestamp") * 1000)::bigint FROM \(table)
            ORDER BY partition, "offset"
            """).split(separator: "\n").map(String.init)
        #expect(columns == produced.map { "\($0.0) \($0.1.offset) \($0.1.timestamp)" }, sourceLocation: sourceLocation)
        let lines = try OutputLine.decodeStrict(Data(try postgres.query("SELECT message FROM \(table) ORDER BY partition, \"offset\"").utf8))
        #expect(lines.count == produced.count, sourceLocation: sourceLocation)
        for (line, (partition, message)) in zip(lines, produced) {
            var expected = message
            expected.partition = partition
            #expect(line == OutputLine(topic: "orders", expected), sourceLocation: sourceLocation)
        }
        #expect(try postgres.query("SELECT count(DISTINCT (window_start, part)) FROM \(table)") == "\(windowFiles)\n", sourceLocation: sourceLocation)
    }

    /// Runs `path` with `environment` added to this process's; returns its exit status.
    private func run(_ path: String, environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        while process.isRunning { usleep(5_000) }
        return process.terminationStatus
    }
}
