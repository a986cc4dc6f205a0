import Foundation
import SedimentKafka
import SedimentKafkaTestSupport
import Testing
@testable import Sediment

/// Replay reads window files of every codec: the bucket's (through manifests, local copies
/// gone) and a restored archive's (windows only, no segments). gzip, the default, is
/// replayed both ways by `ReplayTests` (`replayFromTheBucket`, `replayRestoredArchive`).
@Suite("sediment replay of each codec")
struct ReplayCodecTests {
    let scratch = TemporaryDirectory(label: "replay-codec")

    @Test("windows compacted with zstd and none replay every message once, with its key, value, headers and timestamp", arguments: [WindowCompression.zstd, .none])
    func replayEachCodec(_ codec: WindowCompression) throws {
        // Over 1 MiB a partition: two segments each, and compaction deletes the first, so
        // that the windows (not the segments) hold the first part of every partition.
        let (fixture, source) = try ReplayTests.archive(count: 60_000, partitions: 3, label: "replay-\(codec.rawValue)")
        let bucket = scratch.file("bucket-\(codec.rawValue)")
        for _ in 0..<2 {
            _ = try CLIProcess.succeed(
                ["compact", "--archive", fixture.path, "--granularity", "5m", "--compression", codec.rawValue, "--close-all",
                 "--local-retention", "1d", "--target", "file://" + bucket], scratch: scratch)
        }
        let files = try fixture.files()
        #expect(!files.isEmpty && files.allSatisfy { $0.compression == codec }, "\(files.map(\.path))")
        #expect(fixture.visibleWindowFiles().isEmpty, "local retention left window files: the bucket would not be read")

        // From the bucket, beside the last segments.
        try ReplayTests.replayAll(fixture.path, source, partitions: 3, scratch: scratch)

        // From local window files alone.
        let restored = scratch.file("restored-\(codec.rawValue)")
        _ = try CLIProcess.succeed(["restore", "--archive", restored, "--target", "file://" + bucket, "--topic", "orders", "--from", "0"], scratch: scratch)
        #expect(try Archive.open(at: restored).windowFiles().allSatisfy { $0.compression == codec })
        try ReplayTests.replayAll(restored, source, partitions: 3, scratch: scratch)
    }
}
