import Foundation
import GRDB
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

#if canImport(Glibc)
import Glibc
#endif

/// `--on-window`: a command per window file, exactly once across stops, restarts and
/// crashes, after the upload when there is a target, retried and then recorded as failed
/// without holding the dump back.
@Suite("Window hooks")
struct WindowHookTests {
    @Test("dump runs each window's hook once, after its upload, with its manifest on stdin, across a graceful stop and a restart")
    func exactlyOnceAcrossRestart() async throws {
        let scratch = TemporaryDirectory(label: "hook-restart")
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("hooks")
        let kafka = try KafkaFixture(topics: ["orders": 2])
        // Twelve 5-minute windows, long closed.
        let start = (WallClock.nowMilliseconds() / minutes(5) - 30) * minutes(5)
        try kafka.produce(topic: "orders", partitions: 2, count: 1200, startTimestamp: start, spacing: 3000)
        // From the fourth window on, a hook waits for the gate, which opens once the test has
        // sent SIGTERM: the stop comes mid-way however slow the machine.
        let gate = scratch.file("gate")
        let hook = try HookScript(in: scratch, body: """
            sum=$(sha256sum | cut -d ' ' -f 1)
            if [ "$(wc -l < "$LOG")" -ge 3 ]; then while [ ! -e '\(gate)' ]; do sleep 0.05; done; fi
            echo "$SEDIMENT_WINDOW_PATH|${SEDIMENT_WINDOW_KEY-unset}|$sum|$SEDIMENT_ATTEMPT|${AWS_SECRET_ACCESS_KEY:+leaked}|$SEDIMENT_TARGET|$SEDIMENT_MESSAGES" >> "$LOG"
            """)
        let archive = scratch.file("archive")
        let target = "s3://\(bucket)/kafka?endpoint=\(server.endpoint)&region=us-east-1&path-style=true"
        let arguments = [
            "dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", archive, "--linger", "50ms",
            "--granularity", "5m", "--grace", "1s", "--compact-interval", "1s", "--target", target, "--on-window", hook.path,
        ]
        let environment = UploadFixture.credentials()

        let first = try CLIProcess(arguments, scratch: scratch, environment: environment)
        _ = try await hook.waitForLines(3)
        first.terminate()
        FileManager.default.createFile(atPath: gate, contents: nil)
        let stopped = try first.wait()
        #expect(stopped.succeeded, "\(stopped.summary)")
        let afterStop = try Archive.open(at: archive).hookRows()
        // The hook running at SIGTERM was let finish (or, past the shutdown timeout, stopped:
        // then it logged nothing and stays pending) and is recorded; no other started.
        let doneAfterStop = afterStop.filter { $0.state == HookState.done.rawValue }
        #expect(hook.lines().map { $0[0] }.sorted() == doneAfterStop.map { archive + "/" + $0.path }.sorted(), "\(afterStop)")
        #expect(doneAfterStop.count >= 3 && doneAfterStop.count < afterStop.count, "the stop came mid-way: \(afterStop)")
        #expect(afterStop.allSatisfy { $0.state == HookState.done.rawValue || $0.state == nil }, "\(afterStop)")

        _ = try CLIProcess.succeed(arguments + ["--until-caught-up"], scratch: scratch, environment: environment, timeout: .seconds(180))
        try kafka.expectArchive(archive, topic: "orders")
        let rows = try Archive.open(at: archive).hookRows()
        // Twelve windows, and a part more where a partition's messages came after its window closed.
        #expect(rows.count >= 12 && rows.allSatisfy { $0.state == HookState.done.rawValue && $0.attempts == 1 }, "\(rows)")
        let lines = hook.lines()
        // Each window exactly once, and nothing else.
        #expect(lines.map { $0[0] }.sorted() == rows.map { archive + "/" + $0.path }.sorted(), "\(lines)")
        #expect(lines.allSatisfy { $0.count == 7 && $0[3] == "1" && $0[4].isEmpty && $0[5] == target }, "no credentials, first attempts: \(lines)")
        let keys = try Archive.open(at: archive).index.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: """
                SELECT f.path, u.key FROM window_uploads u JOIN window_files f ON f.id = u.file_id WHERE u.state = 'uploaded'
                """).map { (archive + "/" + ($0["path"] as String), "kafka/" + ($0["key"] as String)) })
        }
        try await server.withStore(bucket: bucket) { store in
            for line in lines {
                #expect(line[1] == keys[line[0]], "the object's key in the bucket, prefix included: \(line)")
                // The manifest on stdin is the one the bucket holds, byte for byte.
                let manifest = try await store.getObject(key: WindowManifest.key(forObject: line[1]))
                #expect(TestFiles.sha256(manifest) == line[2], "\(line[1])")
            }
        }
        #expect(lines.reduce(0) { $0 + (Int($1[6]) ?? 0) } == 1200)
    }

    @Test("a hook cut short by a crash runs again with SEDIMENT_ATTEMPT 2; a window done never runs again")
    func crashMidHook() async throws {
        let scratch = TemporaryDirectory(label: "hook-crash")
        let archive = scratch.file("archive")
        let base: Int64 = 1_764_000_000_000
        try ingest(into: archive, count: 10, from: base, spacing: 60_000, scratch: scratch)
        let hook = try HookScript(in: scratch, body: """
            echo "start|$SEDIMENT_WINDOW_START|$SEDIMENT_ATTEMPT|$$" >> "$LOG"
            if [ "$SEDIMENT_ATTEMPT" = 1 ] && [ "$SEDIMENT_WINDOW_START" = \(base) ]; then sleep 600; fi
            echo "end|$SEDIMENT_WINDOW_START|$SEDIMENT_ATTEMPT" >> "$LOG"
            """)
        let compact = ["compact", "--archive", archive, "--granularity", "5m", "--on-window", hook.path]

        let crashed = try CLIProcess(compact + ["--close-all"], scratch: scratch)
        let started = try await hook.waitForLines(1)
        crashed.kill()
        #expect(try crashed.wait().signaled)
        // The orphaned hook leads no group; its shell's group is the one Sediment made.
        let orphan = try #require(Int32(started[0][3]))
        let group = getpgid(orphan)
        #expect(group > 0 && group != getpgrp(), "the hook runs in a process group of its own")
        if group > 0 { kill(-group, SIGKILL) }
        let running = try Archive.open(at: archive).hookRows()
        #expect(running.map(\.state) == [HookState.running.rawValue, nil] && running[0].attempts == 1, "\(running)")

        let rerun = try CLIProcess.succeed(compact, scratch: scratch)
        #expect(String(decoding: rerun, as: UTF8.self).contains("hooks: 2 done, 0 failed"))
        let second = base + minutes(5)
        #expect(hook.lines().map { Array($0.prefix(3)) } == [
            ["start", "\(base)", "1"], ["start", "\(base)", "2"], ["end", "\(base)", "2"],
            ["start", "\(second)", "1"], ["end", "\(second)", "1"],
        ], "\(hook.lines())")
        #expect(try Archive.open(at: archive).hookRows().map(\.attempts) == [2, 1])

        let again = try CLIProcess.succeed(compact, scratch: scratch)
        #expect(String(decoding: again, as: UTF8.self).contains("hooks: 0 done, 0 failed"))
        #expect(hook.lines().count == 5, "nothing done runs again")
    }

    @Test("a failing hook is retried, then recorded as failed and shown by status, while the dump goes on archiving and writing windows")
    func failingHookDoesNotHoldTheDump() async throws {
        let scratch = TemporaryDirectory(label: "hook-failing")
        // One partition: each window closes once, whole, so the files are the six windows.
        let kafka = try KafkaFixture(topics: ["events": 1])
        let first = (WallClock.nowMilliseconds() / minutes(5) - 40) * minutes(5)
        // Three windows now, three more once the first window's hook is failing.
        try kafka.produce(topic: "events", partitions: 1, count: 150, startTimestamp: first, spacing: 6000)
        let counters = scratch.file("counters")
        try FileManager.default.createDirectory(atPath: counters, withIntermediateDirectories: true)
        // The first window always fails, its first run only once the test opens the gate; the
        // second fails twice, then succeeds.
        let gate = scratch.file("gate")
        let hook = try HookScript(in: scratch, body: """
            echo "$SEDIMENT_WINDOW_START|$SEDIMENT_ATTEMPT" >> "$LOG"
            if [ "$SEDIMENT_WINDOW_START" = \(first) ]; then
              while [ ! -e '\(gate)' ]; do sleep 0.05; done
              echo "boom in $SEDIMENT_WINDOW_START" >&2; exit 3
            fi
            if [ "$SEDIMENT_WINDOW_START" = \(first + minutes(5)) ] && [ "$SEDIMENT_ATTEMPT" -le 2 ]; then echo flaky >&2; exit 1; fi
            exit 0
            """)
        var dump = DumpOptions(brokers: kafka.bootstrap, topics: ["events"])
        dump.linger = .milliseconds(20)
        var change = granularity(5)
        change.grace = 1000
        dump.compaction?.change = change
        dump.compaction?.interval = .milliseconds(200)
        let archive = scratch.file("archive")
        var configuration = PipelineConfiguration(archive: archive, dump: dump)
        var windowHook = WindowHook(command: hook.path)
        windowHook.retries = 2
        windowHook.backoff = RetryBackoff(initial: .milliseconds(300), maximum: .seconds(300))
        configuration.hook = windowHook
        let pipeline = try Pipeline(configuration: configuration, logger: Logger(label: "test.hooks"))
        let running = Task { try await pipeline.run() }

        // The first window's hook is stuck: the dump archives what comes, and writes windows.
        _ = try await hook.waitForLines(1)
        try kafka.produce(topic: "events", partitions: 1, count: 150, startTimestamp: first + minutes(15), spacing: 6000)
        try await eventually("the dump archived the second batch and wrote its windows while the first window's hook is stuck") {
            try Archive.open(at: archive).positions().values.reduce(0, +) == 300 && Archive.open(at: archive).hookRows().count == 6
        }
        let meanwhile = try Archive.open(at: archive).hookRows()
        #expect(meanwhile.first?.state == HookState.running.rawValue && meanwhile.dropFirst().allSatisfy { $0.state == nil }, "\(meanwhile)")
        FileManager.default.createFile(atPath: gate, contents: nil)
        try await eventually("six windows written, each hook done or failed") {
            let rows = try Archive.open(at: archive).hookRows()
            return rows.count == 6 && rows.allSatisfy { $0.state == HookState.done.rawValue || $0.state == HookState.failed.rawValue }
        }
        running.cancel()
        try await running.value
        try kafka.expectArchive(archive, topic: "events")

        let rows = try Archive.open(at: archive).hookRows()
        #expect(rows.map(\.state) == [HookState.failed.rawValue] + Array(repeating: HookState.done.rawValue, count: 5), "\(rows)")
        #expect(rows.map(\.attempts) == [3, 3, 1, 1, 1, 1], "\(rows)")
        #expect(rows[0].lastError == "exit 3: boom in \(first)", "\(rows)")
        // One at a time, in window order: the second window waited for the first to fail.
        let order = hook.lines().map { Int64($0[0])! }
        #expect(order == [first, first, first, first + minutes(5), first + minutes(5), first + minutes(5)] + (2..<6).map { first + minutes(5) * $0 }, "\(order)")
        let statistics = try Archive.open(at: archive).hookStatistics()
        #expect(statistics == [HookStatistics(
            instance: "local", topic: "events", done: 5, pending: 0, failed: 1, lastError: "exit 3: boom in \(first)",
            lastFailedWindow: rows[0].path)])
        let status = String(decoding: try CLIProcess.succeed(["status", "--archive", archive], scratch: scratch), as: UTF8.self)
        #expect(status.contains("events: hook failed for \(rows[0].path): exit 3: boom in \(first)"), "\(status)")
        #expect(status.contains("HOOKS DONE"), "\(status)")
    }

    @Test("run --config: a task's on-window, a program and its arguments, runs once per window file")
    func runConfigHook() throws {
        let scratch = TemporaryDirectory(label: "hook-run")
        let kafka = try KafkaFixture(topics: ["orders": 1])
        let start = (WallClock.nowMilliseconds() / minutes(5) - 20) * minutes(5)
        try kafka.produce(topic: "orders", partitions: 1, count: 300, startTimestamp: start, spacing: 3000)
        let hook = try HookScript(in: scratch, body: #"echo "$SEDIMENT_WINDOW_START|$1|$SEDIMENT_ATTEMPT" >> "$LOG""#)
        let file = try ConfigFile("""
            tasks:
              - name: orders
                archive: archive
                brokers: \(kafka.bootstrap)
                topics: [orders]
                until-caught-up: true
                granularity: 5m
                grace: 1s
                linger: 50ms
                on-window: [\(hook.path), first-argument]
                hook-retries: 0
            """, scratch: scratch)
        _ = try CLIProcess.succeed(["run", "--config", file.path], scratch: scratch, timeout: .seconds(180))
        let rows = try Archive.open(at: scratch.file("archive")).hookRows()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.state == HookState.done.rawValue }, "\(rows)")
        #expect(hook.lines() == rows.map { ["\($0.windowStart)", "first-argument", "1"] }, "\(hook.lines())")
    }

    @Test("local retention keeps a window file until its hook is done")
    func retentionWaitsForTheHook() throws {
        let scratch = TemporaryDirectory(label: "hook-retention")
        let archive = scratch.file("archive")
        try ingest(into: archive, count: 10, from: 1_764_000_000_000, spacing: 60_000, scratch: scratch)
        let target = ["--target", "file://" + scratch.file("bucket"), "--local-retention", "1m"]
        let failing = ["compact", "--archive", archive, "--granularity", "5m", "--on-window", "exit 1", "--hook-retries", "0"] + target
        let passing = ["compact", "--archive", archive, "--on-window", "true"] + target
        func files() -> [String] { ArchiveFiles(path: archive).visible() }

        #expect(try CLIProcess.run(failing + ["--close-all"], scratch: scratch).status == ExitStatus.data)
        #expect(files().count == 2)
        // Uploaded, past retention, but the hook failed: the files stay.
        #expect(try CLIProcess.run(failing, scratch: scratch).status == ExitStatus.data)
        #expect(files().count == 2)
        _ = try CLIProcess.succeed(passing, scratch: scratch)
        #expect(files().count == 2, "retention ran before this run's hooks")
        _ = try CLIProcess.succeed(passing, scratch: scratch)
        #expect(files().isEmpty, "hooks done: retention deletes")
    }

    @Test("the hook's delays double from the backoff up to the cap; bad settings are refused")
    func backoffAndValidation() throws {
        var hook = WindowHook(command: "true")
        #expect((1...10).map { hook.backoff.delay(afterFailures: $0) } == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { Duration.seconds($0) })
        hook.retries = -1
        #expect(throws: SedimentError.self) { try hook.validate() }
        #expect(throws: SedimentError.self) { try WindowHook(command: "  ").validate() }
        var dump = DumpOptions(brokers: "127.0.0.1:1", topics: ["t"])
        dump.compaction = nil
        var configuration = PipelineConfiguration(archive: "/nonexistent", dump: dump)
        configuration.hook = WindowHook(command: "true")
        #expect(throws: SedimentError.self) { try configuration.validate() }
    }

    /// `count` jsonl messages on partition 0, `spacing` milliseconds apart from `from`,
    /// stored with `sediment ingest`.
    private func ingest(into archive: String, count: Int, from: Int64, spacing: Int64, scratch: TemporaryDirectory) throws {
        let input = scratch.file("input.jsonl")
        let lines = (0..<count).map { index in
            #"{"topic":"t","partition":0,"offset":\#(index),"tstype":"create","ts":\#(from + Int64(index) * spacing),"key":null,"payload":"value \#(index)"}"#
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        _ = try CLIProcess.succeed(
            ["ingest", "--archive", archive, "--topic", "t", "--input-format", "jsonl", "--input", input], scratch: scratch)
    }
}
