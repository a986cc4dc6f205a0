import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// How `dump` stops: SIGTERM stops fetching and commits what it holds, uploads get
/// `--shutdown-timeout`, and the process exits 0; a second signal ends it at once.
@Suite("dump: stopping")
struct ShutdownTests {
    static func waitFor(_ what: String, in process: CLIProcess, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try !condition() {
            guard ContinuousClock.now < deadline, process.isRunning else {
                throw CLIProcess.Failure(description: "\(what) did not happen; stderr: \(process.stderrSoFar)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// A dump to SeaweedFS through the fault proxy, consuming; then 30 minutes of messages
    /// long past (six closed windows at once) whose every PUT hangs for 20 s, and a first
    /// PUT hanging.
    static func dumpWithHangingUploads(
        _ fixture: UploadFixture, bucket: String, proxy: FaultProxy, kafka: KafkaFixture, archive: String, extra: [String]
    ) throws -> (process: CLIProcess, arguments: [String]) {
        let arguments = [
            "dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", archive, "--granularity", "5m",
            "--compact-interval", "1s", "--target", fixture.targetURI(bucket: bucket, endpoint: proxy.endpoint),
        ]
        let dump = try CLIProcess(arguments + extra + ["--log-level", "info"], scratch: fixture.scratch, environment: UploadFixture.credentials())
        // Past the write probe and consuming before any PUT hangs.
        try waitFor("the assignment", in: dump) { dump.stderrSoFar.contains("assigned 2 partitions") }
        proxy.inject(Array(repeating: .init(kind: .putObject, fault: .slow(seconds: 600)), count: 40))
        try kafka.produce(topic: "orders", partitions: 2, count: 1800, spacing: 1000)
        try waitFor("a hanging upload", in: dump) { proxy.requests.contains { $0.kind == .putObject && $0.fault != nil } }
        return (dump, arguments)
    }

    @Test("SIGTERM while uploads hang: exit 0 after --shutdown-timeout, every message kept, the windows left pending (not failed) and uploaded by the next run")
    func uploadsBoundedByTheTimeout() async throws {
        let fixture = try await UploadFixture(label: "shutdown")
        let bucket = try await fixture.server.makeBucket("shutdown")
        let proxy = try FaultProxy(upstreamPort: fixture.server.s3Port)
        defer { proxy.stop() }
        let kafka = try KafkaFixture(topics: ["orders": 2])
        let archive = fixture.scratch.file("dumped")
        let (dump, _) = try Self.dumpWithHangingUploads(
            fixture, bucket: bucket, proxy: proxy, kafka: kafka, archive: archive, extra: ["--shutdown-timeout", "1s"])
        defer { if dump.isRunning { dump.kill() } }

        dump.terminate()
        let stopped = try dump.wait(timeout: .seconds(300))
        #expect(stopped.succeeded, "\(stopped.summary)")
        #expect(stopped.stderr.contains("left for the next start"), "\(stopped.stderr)")

        let opened = try Archive.open(at: archive)
        let held = try opened.messages(instance: "local", topic: "orders", in: 0..<Int64.max).all()
        #expect(held.count == 1800, "every consumed message is kept")
        let uploads = try opened.uploadStatistics()
        #expect(uploads.count == 1 && uploads[0].failed == 0 && uploads[0].pending > 0 && uploads[0].oldestPending != nil, "\(uploads)")
        let files = try opened.windowFiles()
        #expect(uploads[0].oldestPending == files.map(\.windowStart).min())

        // The next run finds them uploading or never tried, and finishes them.
        proxy.clearRules()
        _ = try CLIProcess.succeed(
            ["upload", "--archive", archive, "--target", fixture.targetURI(bucket: bucket, endpoint: proxy.endpoint)],
            scratch: fixture.scratch, environment: UploadFixture.credentials())
        let after = try Archive.open(at: archive).uploadStatistics()
        #expect(after[0].pending == 0 && after[0].uploaded == files.count && after[0].failed == 0, "\(after)")
    }

    @Test("a second SIGTERM ends at once a shutdown that waits for hanging uploads; the next run recovers every message once and uploads them")
    func secondSignalExitsAtOnce() async throws {
        let fixture = try await UploadFixture(label: "second-signal")
        let bucket = try await fixture.server.makeBucket("second-signal")
        let proxy = try FaultProxy(upstreamPort: fixture.server.s3Port)
        defer { proxy.stop() }
        let kafka = try KafkaFixture(topics: ["orders": 2])
        let archive = fixture.scratch.file("dumped")
        // Uploads may take 10 minutes once stopping: only the second signal ends it soon.
        let (dump, arguments) = try Self.dumpWithHangingUploads(
            fixture, bucket: bucket, proxy: proxy, kafka: kafka, archive: archive, extra: ["--shutdown-timeout", "10m"])
        defer { if dump.isRunning { dump.kill() } }

        dump.terminate()
        try Self.waitFor("the graceful shutdown", in: dump) { dump.stderrSoFar.contains("msg=\"stopping: fetching stops") }
        dump.terminate()
        let result = try dump.wait(timeout: .seconds(300))
        #expect(!result.signaled && result.status == 128 + 15, "\(result.summary)")
        #expect(result.stderr.contains("sediment: SIGTERM again: exiting at once"), "\(result.stderr)")

        proxy.clearRules()
        _ = try CLIProcess.succeed(
            arguments + ["--until-caught-up"], scratch: fixture.scratch, environment: UploadFixture.credentials())
        try kafka.expectArchive(archive, topic: "orders")
        let uploads = try Archive.open(at: archive).uploadStatistics()
        #expect(uploads.count == 1 && uploads[0].pending == 0 && uploads[0].failed == 0 && uploads[0].uploaded > 0, "\(uploads)")
    }
}
