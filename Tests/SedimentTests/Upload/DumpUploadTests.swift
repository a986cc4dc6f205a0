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

    @Test("dump --split partition --target: each window goes up as one object per partition, keyed .p<partition>, holding that partition only")
    func dumpSplitByPartition() async throws {
        let fixture = try await UploadFixture(label: "dump-upload-split")
        let kafka = try KafkaFixture(topics: ["orders": 3])
        for window in 0..<2 {
            try kafka.produce(topic: "orders", partitions: 3, count: 300, startTimestamp: 1_764_000_000_000 + minutes(5) * Int64(window))
        }
        let bucket = try await fixture.server.makeBucket("dump-split")
        let target = ["--target", fixture.targetURI(bucket: bucket)]
        let environment = UploadFixture.credentials()
        _ = try CLIProcess.succeed(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", fixture.path, "--until-caught-up",
             "--linger", "50ms", "--granularity", "5m", "--split", "partition"] + target,
            scratch: fixture.scratch, environment: environment, timeout: .seconds(120))
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--close-all"] + target, scratch: fixture.scratch, environment: environment)
        try kafka.expectArchive(fixture.path, topic: "orders")

        let files = try fixture.archive.files()
        #expect(files.count == 6 && Set(files.map(\.windowStart)).count == 2, "\(files.map(\.path))")
        #expect(Set(files.compactMap(\.splitPartition)) == [0, 1, 2] && files.allSatisfy { $0.splitPartition != nil })
        let keys = files.map { file in
            UploadFixture.defaultKey(file).replacingOccurrences(of: ".jsonl.gz", with: ".p\(file.splitPartition!).jsonl.gz")
        }
        try await fixture.expectBucket(bucket, holds: Array(zip(files, keys)))
        // Each object holds its own partition's messages only, all of them for its window.
        let archive = try Archive.open(at: fixture.path)
        for file in files {
            let lines = try CompactionFixture.run("zcat", [fixture.path + "/" + file.path])
            let partitions = try Set(String(decoding: lines, as: UTF8.self).split(separator: "\n").map { line in
                try Array(line.utf8).withUnsafeBytes { try JSONLineDecoder.decode($0).message.partition }
            })
            #expect(partitions == [file.splitPartition!], "\(file.path)")
        }
        #expect(try archive.windowFiles().reduce(0) { $0 + $1.count } == kafka.count(topic: "orders"))
    }
}
