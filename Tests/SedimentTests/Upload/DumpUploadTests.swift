import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `dump --target` and `compact --target`: the windows a dump writes reach the bucket,
/// all of them and nothing else.
@Suite("sediment dump --target")
struct DumpUploadTests {
    /// A mock cluster holding `windows` 5-minute windows of `perWindow` messages over
    /// `partitions` (2025-11-24T16:00Z on, long past: the wall clock has closed them), a
    /// bucket, and `dump --until-caught-up --granularity 5m --target` of them with `options`;
    /// returns the dump's output and what the checks need.
    static func dumped(
        _ label: String, partitions: Int32, windows: Int, perWindow: Int, options: [String] = []
    ) async throws -> (output: Data, fixture: UploadFixture, kafka: KafkaFixture, bucket: String, target: [String]) {
        let fixture = try await UploadFixture(label: label)
        let kafka = try KafkaFixture(topics: ["orders": partitions])
        for window in 0..<windows {
            try kafka.produce(topic: "orders", partitions: partitions, count: perWindow, startTimestamp: 1_764_000_000_000 + minutes(5) * Int64(window))
        }
        let bucket = try await fixture.server.makeBucket(label)
        let target = ["--target", fixture.targetURI(bucket: bucket)]
        let output = try CLIProcess.succeed(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", fixture.path, "--until-caught-up",
             "--linger", "50ms", "--granularity", "5m"] + options + target,
            scratch: fixture.scratch, environment: UploadFixture.credentials(), timeout: .seconds(120))
        return (output, fixture, kafka, bucket, target)
    }

    @Test("dump --until-caught-up --granularity 5m --target, then compact --close-all --target: one object per window file")
    func dumpThenCompact() async throws {
        let (dumped, fixture, kafka, bucket, target) = try await Self.dumped("dump-upload", partitions: 2, windows: 3, perWindow: 200)
        let environment = UploadFixture.credentials()
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

    @Test("dump --until-caught-up --close-all --target: the window still open at the end is written and goes up in the same run")
    func dumpClosingAll() async throws {
        let fixture = try await UploadFixture(label: "dump-close-all")
        let kafka = try KafkaFixture(topics: ["orders": 2])
        // The last 20 seconds: a 5-minute window that closes only minutes from now.
        try kafka.produce(topic: "orders", partitions: 2, count: 200, startTimestamp: WallClock.nowMilliseconds() - 20_000, spacing: 100)
        let bucket = try await fixture.server.makeBucket("dump-close-all")
        _ = try CLIProcess.succeed(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", fixture.path, "--until-caught-up", "--close-all",
             "--linger", "50ms", "--granularity", "5m", "--target", fixture.targetURI(bucket: bucket)],
            scratch: fixture.scratch, environment: UploadFixture.credentials(), timeout: .seconds(120))
        try kafka.expectArchive(fixture.path, topic: "orders")
        let files = try fixture.archive.files()
        #expect(files.reduce(0) { $0 + $1.count } == 200, "every message in a window file: \(files.map(\.path))")
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        let rows = try fixture.uploadRows()
        #expect(rows.map(\.fileID) == files.map(\.id) && rows.allSatisfy { $0.state == "uploaded" }, "\(rows)")
    }

    @Test("dump --split partition --target: each window goes up as one object per partition, keyed .p<partition>, holding that partition only")
    func dumpSplitByPartition() async throws {
        let (_, fixture, kafka, bucket, target) = try await Self.dumped(
            "dump-upload-split", partitions: 3, windows: 2, perWindow: 300, options: ["--split", "partition"])
        let environment = UploadFixture.credentials()
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--close-all"] + target, scratch: fixture.scratch, environment: environment)
        try kafka.expectArchive(fixture.path, topic: "orders")

        let files = try fixture.archive.files()
        #expect(files.count == 6 && Set(files.map(\.windowStart)).count == 2, "\(files.map(\.path))")
        #expect(Set(files.compactMap(\.splitPartition)) == [0, 1, 2] && files.allSatisfy { $0.splitPartition != nil })
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        // Each object holds its own partition's messages only, all of them for its window.
        let archive = try Archive.open(at: fixture.path)
        for file in files {
            let partitions = Set(try decodeLines(WindowCompressionTests.decompressedWithTools(fixture.path + "/" + file.path, .gzip)).map(\.partition))
            #expect(partitions == [file.splitPartition!], "\(file.path)")
        }
        #expect(try archive.windowFiles().reduce(0) { $0 + $1.count } == kafka.count(topic: "orders"))
    }
}
