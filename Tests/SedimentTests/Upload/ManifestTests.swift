import Foundation
import GRDB
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// Every window object gets `<key>.manifest.json`, after the object: what it holds, its
/// checksums and its gzip members, so that the bucket can be read without the archive.
@Suite("Window manifests")
struct ManifestTests {
    @Test("each manifest describes its window: partitions, times, level, members that a ranged GET can read as gzip")
    func manifestDescribesItsWindow() async throws {
        let (fixture, files, bucket, summary) = try await UploadFixture.uploaded(
            label: "manifests", windows: 2, perWindow: 3000, valueBytes: 600, bucket: "manifests")
        #expect(summary.objects == 2 && summary.manifests == 2)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        try await fixture.server.withStore(bucket: bucket) { store in
            let file = files[1]
            let key = UploadFixture.defaultKey(file)
            let data = try await store.getObject(key: WindowManifest.key(forObject: key))
            let manifest = try JSONDecoder().decode(WindowManifest.self, from: data)
            #expect(manifest.version == 1 && manifest.instance == "local" && manifest.topic == "orders")
            #expect(manifest.windowStart == file.windowStart && manifest.windowEnd == file.windowEnd)
            #expect(manifest.format == "jsonl" && manifest.compression == .gzip && manifest.level == 1)
            #expect(manifest.minTimestamp == file.minTimestamp && manifest.maxTimestamp == file.maxTimestamp)
            #expect(manifest.partitions.map(\.partition) == [0] && manifest.partitions[0].count == 3000)
            #expect(manifest.members.count > 1, "several members: \(manifest.members.count)")
            #expect(try manifest.encoded() == data, "the same window gives the same bytes")
            // A member fetched alone is a gzip stream of its messages, in the window's order.
            let member = manifest.members[1]
            let bytes = try await store.getObject(key: key, range: member.offset...(member.offset + Int64(member.length) - 1))
            let scratch = fixture.scratch.file("member.gz")
            try bytes.write(to: URL(fileURLWithPath: scratch))
            let lines = try OutputLine.decodeStrict(CompactionFixture.run("zcat", [scratch]))
            #expect(lines.count == member.count)
            #expect(lines.first?.timestamp == member.minTimestamp && lines.last?.timestamp == member.maxTimestamp)
        }
    }

    @Test("windows uploaded before manifests existed get theirs on the next pass, and nothing else is sent again")
    func missingManifestsAreWritten() async throws {
        let (fixture, files, bucket, _) = try await UploadFixture.uploaded(
            label: "manifests-late", windows: 3, perWindow: 20, valueBytes: 100, bucket: "manifests-late")
        // As an archive uploaded by an earlier Sediment would be: objects, no manifests.
        try await fixture.server.withStore(bucket: bucket) { store in
            for file in files { try await store.deleteObject(key: WindowManifest.key(forObject: UploadFixture.defaultKey(file))) }
        }
        try Archive.openForUpdate(at: fixture.path).index.write { db in try db.execute(sql: "UPDATE window_uploads SET manifest_etag = NULL") }

        let second = try fixture.uploader(bucket: bucket)
        let summary = try await second.closingStore { try await second.uploadPending() }
        #expect(summary.objects == 0 && summary.skipped == 0 && summary.manifests == 3, "\(summary)")
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        let third = try fixture.uploader(bucket: bucket)
        let again = try await third.closingStore { try await third.uploadPending() }
        #expect(again.objects == 0 && again.manifests == 0, "nothing left to send: \(again)")
    }

    @Test("a manifest key that holds something else is a collision, and is not replaced")
    func manifestCollision() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "manifests-collision", windows: 1, perWindow: 20, valueBytes: 100, bucket: "manifests-collision")
        let manifestKey = WindowManifest.key(forObject: UploadFixture.defaultKey(files[0]))
        let other = Data("{\"not\":\"this window\"}\n".utf8)
        try await fixture.server.withStore(bucket: bucket) { _ = try await $0.putObject(key: manifestKey, payload: ObjectPayload(bytes: other)) }
        let uploader = try fixture.uploader(bucket: bucket)
        let error = await #expect(throws: SedimentError.self) { try await uploader.closingStore { try await uploader.uploadPending() } }
        let message = error?.message ?? ""
        #expect(error?.code == .objectCollision && message.contains(manifestKey), "\(message)")
        let kept = try await fixture.server.withStore(bucket: bucket) { try await $0.getObject(key: manifestKey) }
        #expect(kept == other)
    }
}
