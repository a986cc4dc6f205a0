import Foundation
import Testing
@testable import Sediment

/// `sediment run --config FILE [--check]`, the built binary: exit codes, what it prints,
/// and a graceful stop.
@Suite("sediment run")
struct RunCommandTests {
    @Test("a file with problems: every one on stderr with its file, line and value, exit 64, nothing created")
    func problems() throws {
        let file = try ConfigFile("""
            tasks:
              - name: orders
                archive: archive-orders
                brokers: 127.0.0.1:1
                topics: [orders]
                grace: 5x
                granularty: 15m
              - name: payments
                archive: archive-payments
                brokers: 127.0.0.1:1
                topics: [payments]
                target: ftp://bucket
            """)
        for arguments in [["run", "--config", file.path], ["run", "--config", file.path, "--check"]] {
            let result = try CLIProcess.run(arguments, scratch: file.scratch)
            #expect(!result.signaled && result.status == ExitStatus.usage, "\(result.summary)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == """
                sediment: error: \(file.path): 3 problems, nothing was started:
                \(file.at(6, 12))tasks[0].grace: cannot read grace '5x' as a duration: use a whole number with ms, s, m, h or d (30s, 500ms)
                \(file.at(7, 5))tasks[0].granularty: unknown key 'granularty'; did you mean 'granularity'?
                \(file.at(12, 13))tasks[1].target: invalid object store URI 'ftp://bucket': unsupported scheme 'ftp' (expected cos, s3 or file)

                """)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.scratch.path).filter { $0.hasPrefix("archive") }.isEmpty)
        let missing = try CLIProcess.run(["run", "--config", file.scratch.file("absent.yaml")], scratch: file.scratch)
        #expect(missing.status == ExitStatus.usage && missing.stderr.hasPrefix("sediment: error: cannot read the config file \(file.scratch.file("absent.yaml"))"))
    }

    @Test("--check prints the plan the library makes of the file, exits 0 and starts nothing")
    func check() throws {
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:1
              target: s3://archive/kafka?endpoint=http://127.0.0.1:1&region=us-east-1
            tasks:
              - name: orders
                archive: archive-orders
                topics: [orders]
                on-window: "cat > /dev/null"
              - name: logs
                archive: archive-logs
                topics: [logs]
                format: text
            """)
        let credentials = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "never-printed"]
        let output = try CLIProcess.succeed(["run", "--config", file.path, "--check"], scratch: file.scratch, environment: credentials)
        let text = String(decoding: output, as: UTF8.self)
        #expect(text == (try file.load(environment: ConfigFile.environment.merging(credentials) { $1 }).plan))
        #expect(text.contains("task orders (line 5)") && text.contains("task logs (line 9)"))
        #expect(text.contains("  hook          on-window: sh -c 'cat > /dev/null', retried 5 times"))
        #expect(text.contains("  target        s3://archive/kafka?endpoint=http://127.0.0.1:1&region=us-east-1 (credentials: the environment)"))
        #expect(!text.contains("never-printed") && !text.contains("AKID"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.scratch.path).filter { $0.hasPrefix("archive") }.isEmpty)
    }

    @Test("SIGTERM stops every task as it stops dump: what was consumed is committed, exit 0, a line per task")
    func sigterm() throws {
        let kafka = try KafkaFixture(topics: ["t": 2])
        try kafka.produce(topic: "t", partitions: 2, count: 40)
        let file = try ConfigFile("""
            tasks:
              - name: live
                archive: archive-live
                brokers: \(kafka.bootstrap)
                topics: [t]
                linger: 20ms
              - name: down
                archive: archive-down
                brokers: 127.0.0.1:1
                topics: [t]
                connect-timeout: 200ms
            """)
        let process = try CLIProcess(["run", "--config", file.path], scratch: file.scratch)
        let archive = file.scratch.file("archive-live")
        // Generous: in the whole suite a consumer that cannot reach its broker was seen
        // taking 24 s to close.
        try waitUntil("the live task archived every message and the down task failed", timeout: .seconds(300)) {
            process.stderrSoFar.contains("task=down") && process.stderrSoFar.contains("task failed, starting it again in 1s")
                && FileManager.default.fileExists(atPath: archive + "/sediment.sqlite")
                && (try? Archive.open(at: archive).statistics().reduce(0) { $0 + $1.messages }) == 40
        }
        process.terminate()
        let result = try process.wait()
        #expect(result.succeeded, "\(result.summary)")
        let lines = result.stdoutText.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("task live: stored 40 messages"), "\(result.stdoutText)")
        #expect(lines.count == 2 && lines[1].hasPrefix("task down: nothing stored; failed "), "\(result.stdoutText)")
        #expect(lines.count == 2 && lines[1].contains("runs, last: cannot reach Kafka at 127.0.0.1:1"), "\(result.stdoutText)")
        try kafka.expectArchive(archive, topic: "t")
    }

    @Test("a config file others can read gets a warning naming it, its mode and the fix; a private one none")
    func configFileMode() throws {
        let scratch = TemporaryDirectory(label: "config-mode")
        let path = scratch.file("tasks.yaml")
        try Data("""
            tasks:
              - name: t
                archive: \(scratch.file("archive"))
                brokers: 127.0.0.1:1
                topics: t
            """.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o644)
        let open = try CLIProcess.run(["run", "--config", path, "--check"], scratch: scratch)
        #expect(open.succeeded && open.stderr.contains("\(path) holds settings that may include Kafka passwords") && open.stderr.contains("mode 644"), "\(open.summary)")
        chmod(path, 0o600)
        let closed = try CLIProcess.run(["run", "--config", path, "--check"], scratch: scratch)
        #expect(closed.succeeded && !closed.stderr.contains("chmod 600"), "\(closed.summary)")
    }
}
