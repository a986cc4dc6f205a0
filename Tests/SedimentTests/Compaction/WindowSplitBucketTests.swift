import Foundation
import SedimentKafka
import SedimentKafkaTestSupport
import SedimentTestSupport
import Testing
@testable import Sediment

/// Windows split by partition through a bucket (SeaweedFS) and back, and into Kafka.
@Suite("Window split by partition, through a bucket and a replay")
struct WindowSplitBucketTests {
    @Test("reupload puts each split file under its path's key with the partition; verify --deep passes, and verify finds a byte flipped in a local split file; restore into an empty archive, with and without manifests, answers queries as the original")
    func bucketRoundTrip() async throws {
        let fixture = try await UploadFixture(label: "split-bucket")
        try fixture.archive.append(WindowSplitTests.messages)
        var change = granularity(5)
        change.split = .partition
        try fixture.archive.compact(change, closeAll: true)
        let files = try fixture.archive.files()
        try #require(files.count == 6 && files.allSatisfy { $0.splitPartition != nil }, "\(files.map(\.path))")
        let bucket = try await fixture.server.makeBucket("split-bucket")
        let uri = fixture.targetURI(bucket: bucket)
        let environment = UploadFixture.credentials()
        let scratch = fixture.scratch
        _ = try CLIProcess.succeed(
            ["reupload", "--archive", fixture.path, "--target", uri, "--topic", "orders", "--from", "0", "--to", "now"],
            scratch: scratch, environment: environment)
        let keys = files.map { (file: $0, key: WindowCompressionTests.key($0)) }
        #expect(keys.allSatisfy { $0.key.hasSuffix(".p\($0.file.splitPartition!).jsonl.gz") }, "\(keys.map(\.key))")
        try await fixture.expectBucket(bucket, holds: keys)
        try await fixture.server.withStore(bucket: bucket) { store in
            for (file, key) in keys {
                let manifest = try WindowManifest.decode(try await store.getObject(key: WindowManifest.key(forObject: key)), key: key)
                #expect(manifest.partition == file.splitPartition, "\(key)")
            }
        }
        let deep = try CLIProcess.run(["verify", "--archive", fixture.path, "--target", uri, "--deep"], scratch: scratch, environment: environment)
        #expect(deep.succeeded && deep.stdoutText.contains("6 objects and 6 manifests"), "\(deep.summary) \(deep.stdoutText)")

        let range = ["--topic", "orders", "--from", "\(windowBase + minutes(1))", "--to", "\(windowBase + minutes(9))"]
        let original = try CLIProcess.succeed(["query", "--archive", fixture.path] + range, scratch: scratch)
        // Into an empty archive: each file in its series, at its path, answering as the original.
        func restore(into name: String) throws -> String {
            let restored = scratch.file(name)
            let restore = try CLIProcess.run(
                ["restore", "--archive", restored, "--target", uri, "--topic", "orders", "--from", "0", "--to", "now"],
                scratch: scratch, environment: environment)
            #expect(restore.succeeded && restore.stdoutText.hasPrefix("restored 6 windows"), "\(restore.summary) \(restore.stdoutText)")
            let restoredFiles = try Archive.open(at: restored).windowFiles(instance: "local", topic: "orders")
            #expect(restoredFiles.map(\.path) == files.map(\.path) && restoredFiles.map(\.splitPartition) == files.map(\.splitPartition))
            #expect(restoredFiles.map(\.sha256) == files.map(\.sha256))
            #expect(try CLIProcess.succeed(["query", "--archive", restored] + range, scratch: scratch, environment: environment) == original)
            return restored
        }
        // An archive without the windows reads them from the bucket through their manifests.
        let empty = scratch.file("empty")
        _ = try ArchiveWriter(at: empty)
        #expect(try CLIProcess.succeed(["query", "--archive", empty, "--target", uri] + range, scratch: scratch, environment: environment) == original)
        let restored = try restore(into: "restored")
        #expect(try Archive.open(at: restored).windowSettings(instance: "local", topic: "orders").last?.settings.split == .partition)

        // Without its manifest, a file's default key still says its partition (and the
        // other windows' manifests how long a window is).
        try await fixture.server.withStore(bucket: bucket) { store in
            try await store.deleteObject(key: WindowManifest.key(forObject: keys[1].key))
        }
        _ = try restore(into: "rebuilt")

        // A flipped byte in a split file: verify names the file.
        let damaged = files[4]
        try flipByte(at: damaged.size / 2, of: fixture.path + "/" + damaged.path)
        let local = try CLIProcess.run(["verify", "--archive", fixture.path], scratch: scratch, environment: environment)
        #expect(!local.succeeded && local.stdoutText.contains(damaged.path), "\(local.summary) \(local.stdoutText)")
    }

    @Test("replay of a split archive into another cluster sends every message once, per partition and in order")
    func replay() throws {
        let (fixture, source) = try ReplayTests.archive(count: 20_000, partitions: 4, label: "split-replay")
        var change = granularity(5)
        change.split = .partition
        try fixture.compact(change, closeAll: true)
        let files = try fixture.files()
        #expect(files.count == 4 && Set(files.compactMap(\.splitPartition)) == [0, 1, 2, 3], "\(files.map(\.path))")
        try ReplayTests.replayAll(fixture.path, source, partitions: 4, scratch: fixture.directory)
    }
}
