import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `dump --target` and `compact --target`: the windows a dump writes reach the bucket,
/// all of them and nothing else.
@Suite("sediment dump --target")
struct DumpUploadTests {
    @Test("dump --until-caught-up --granularity 5m --target, then compact --close-all --target: one object per window file")
    func dumpThenCompact() async throws {
        let fixture = try await UploadFixture(label: "dump-upload")
        let kafka = try KafkaFixture(topics: ["orders": 2])
        // Three 5-minute windows (2025-11-24T16:00Z on), long past: the wall clock has closed them.
        for window in 0..<3 {
            try kafka.produce(topic: "orders", partitions: 2, count: 200, startTimestamp: 1_764_000_000_000 + minutes(5) * Int64(window))
        }
        let bucket = try await fixture.server.makeBucket("dump")
        let target = ["--target", fixture.targetURI(bucket: bucket)]
        let environment = UploadFixture.credentials()

        let dumped = try CLIProcess.succeed(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", fixture.path, "--until-caught-up",
             "--linger", "50ms", "--granularity", "5m"] + target,
            scratch: fixture.scratch, environment: environment, timeout: .seconds(120))
        try kafka.expectArchive(fixture.path, topic: "orders")
        let afterDump = try fixture.archive.files()
        #expect(!afterDump.isEmpty, "the dump wrote windows: \(String(decoding: dumped, as: UTF8.self))")

        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--close-all"] + target, scratch: fixture.scratch, environment: environment)
        let files = try fixture.archive.files()
        #expect(Set(files.map(\.windowStart)).count == 3)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        let rows = try fixture.uploadRows()
        #expect(rows.map(\.fileID) == files.map(\.id) && rows.allSatisfy { $0.state == "uploaded" }, "\(rows)")
    }
}
