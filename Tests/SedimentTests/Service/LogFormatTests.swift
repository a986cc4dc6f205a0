import Foundation
import Testing

/// The CLI logs key=value lines (logfmt), and `--quiet` keeps only errors.
@Suite("logs")
struct LogFormatTests {
    let scratch = TemporaryDirectory(label: "logs")

    @Test("a log line is ts=… level=… msg=\"…\" then its metadata as key=value; --quiet leaves errors only")
    func logfmtAndQuiet() throws {
        let kafka = try KafkaFixture(topics: ["orders": 3])
        try kafka.produce(topic: "orders", partitions: 3, count: 30)
        let dump = ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--until-caught-up", "--no-compact"]
        let verbose = try CLIProcess.run(dump + ["--archive", scratch.file("a"), "--log-level", "info"], scratch: scratch)
        #expect(verbose.succeeded, "\(verbose.summary)")
        let lines = verbose.stderr.split(separator: "\n").map(String.init)
        let caughtUp = lines.first { $0.contains("caught up") }
        #expect(
            caughtUp?.wholeMatch(of: /ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info msg="caught up with the high watermarks" partitions=3/) != nil,
            "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("ts=") }, "every stderr line is a log line: \(lines)")

        let quiet = try CLIProcess.run(dump + ["--archive", scratch.file("b"), "--log-level", "info", "--quiet"], scratch: scratch)
        #expect(quiet.succeeded && quiet.stderr.isEmpty, "\(quiet.summary)")
    }
}
