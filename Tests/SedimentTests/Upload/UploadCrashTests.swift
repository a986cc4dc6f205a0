import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `sediment upload` killed with SIGKILL wherever it happens to be, then run again to the
/// end: the rerun finishes every window exactly once and leaves nothing behind.
@Suite("sediment upload crash")
struct UploadCrashTests {
    @Test("SIGKILL at random points, then a rerun: every window uploaded, identical, no open upload, one row each")
    func killAndRerun() async throws {
        let fixture = try await UploadFixture(label: "upload-crash")
        // Eight windows of ~6 MB: two 5 MiB parts each, so a kill can land between parts;
        // four files go up at once, so when one is done the others are mid-way.
        try fixture.fill(windows: 8, perWindow: 1500, valueBytes: 4096, seed: 31)
        let files = try fixture.archive.files()
        let bucket = try await fixture.server.makeBucket("crash")
        let arguments = [
            "upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket),
            "--part-size", "5MiB", "--multipart-threshold", "5MiB", "--upload-concurrency", "2",
        ]
        let environment = UploadFixture.credentials()
        var generator = SplitMix64(seed: UInt64(UInt32.random(in: 0...UInt32.max)))
        var killed = 0
        for round in 0..<3 {
            killed += try Self.killMidUpload(arguments, environment: environment, scratch: fixture.scratch, round: round, using: &generator) ? 1 : 0
        }

        let output = try CLIProcess.succeed(arguments + ["--json"], scratch: fixture.scratch, environment: environment)
        let summary = try JSONDecoder().decode(UploadSummary.self, from: output)
        #expect(summary.failed == 0)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        let rows = try fixture.uploadRows()
        #expect(rows.map(\.fileID) == files.map(\.id), "one row per window for the target")
        #expect(rows.allSatisfy { $0.state == "uploaded" && $0.etag?.hasSuffix("-2") == true }, "\(rows)")
        // At least one run was cut short, or this test showed nothing about crashes.
        #expect(killed >= 1, "every run finished before its kill")
    }

    /// Runs `sediment upload` and SIGKILLs it once it has started its `round + 1`-th
    /// multipart upload, so the kill lands with parts in flight; returns whether it was
    /// still running. Synchronous on purpose: resuming from an async sleep can be late by
    /// seconds when other tests hold the cooperative threads, and the run would be over.
    static func killMidUpload(
        _ arguments: [String], environment: [String: String], scratch: TemporaryDirectory, round: Int,
        using generator: inout SplitMix64
    ) throws -> Bool {
        let process = try CLIProcess(arguments + ["--log-level", "debug"], scratch: scratch, environment: environment)
        try waitUntil("multipart upload \(round + 1) started") {
            !process.isRunning || process.stderrSoFar.components(separatedBy: "multipart upload started").count > round + 1
        }
        // Not synchronisation: the random pause only moves where the kill lands (a part,
        // a Complete, the index update), and ends well before a 6 MB file could finish.
        Thread.sleep(forTimeInterval: Double(generator.next() % 150) / 1000)
        let running = process.isRunning
        process.kill()
        let result = try process.wait()
        #expect(result.signaled || result.succeeded, "round \(round): \(result.summary)")
        return running
    }
}
