import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// Behaviour every backend must share, run against SeaweedFS and a directory alike:
/// keys with awkward characters, ranges, listing with pagination, metadata, deletion,
/// and multipart uploads driven directly through the protocol.
enum ObjectStoreContract {
    static func roundTrips(_ store: any ObjectStore) async throws {
        let keys = ["plain.txt", "dir/sub dir/spaced name.bin", "dir/ünïcödé+plus=eq&amp;(1).gz", "dir/z"]
        for (index, key) in keys.enumerated() {
            let payload = ObjectPayload(bytes: TestFiles.bytes(size: 1000 + index, seed: UInt64(index)))
            let etag = try await store.putObject(key: key, payload: payload, metadata: ["sha256": payload.sha256Hex])
            #expect(etag == payload.md5Hex, "\(key)")
            let info = try #require(try await store.headObject(key: key))
            #expect(info.size == Int64(1000 + index))
            #expect(info.etag == payload.md5Hex)
            #expect(info.metadata["sha256"] == payload.sha256Hex)
        }
        let listed = try await store.listObjects(prefix: "dir/")
        #expect(listed.map(\.key) == keys.filter { $0.hasPrefix("dir/") }.sorted())
        #expect(listed.allSatisfy { !$0.etag.isEmpty })
        #expect(try await store.listObjects(prefix: "").count == keys.count)
        #expect(try await store.listObjects(prefix: "nothing/").isEmpty)

        let whole = TestFiles.bytes(size: 1001, seed: 1)
        #expect(try await store.getObject(key: keys[1]) == whole)
        #expect(try await store.getObject(key: keys[1], range: 10...19) == whole[10...19])
        #expect(try await store.getObject(key: keys[1], range: 990...5000) == whole[990...])
        let path = try TestFiles.directory() + "/range.bin"
        #expect(try await store.downloadObject(key: keys[1], range: 100...199, to: path) == 100)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole[100...199])
        let sha = try await store.downloadObject(key: keys[1], range: nil, to: path, computingSHA256: true)
        #expect(sha.bytes == 1001 && sha.sha256 == TestFiles.sha256(whole))
        // Ranges written into one file at their places, out of order, make the object.
        let assembled = try TestFiles.directory() + "/assembled.bin"
        FileManager.default.createFile(atPath: assembled, contents: nil)
        for range: ClosedRange<Int64> in [500...1000, 0...249, 250...499] {
            #expect(try await store.downloadRange(key: keys[1], range: range, intoFile: assembled) == Int64(range.count))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: assembled)) == whole)

        #expect(try await store.headObject(key: "missing/key") == nil)
        let missing = await #expect(throws: ObjectStoreError.self) { try await store.getObject(key: "missing/key") }
        #expect(missing?.code == .noSuchKey)

        try await store.deleteObject(key: keys[0])
        try await store.deleteObject(key: keys[0])  // deleting twice is fine, as in S3
        #expect(try await store.headObject(key: keys[0]) == nil)
        #expect(try await store.listObjects(prefix: "").map(\.key) == Array(keys.dropFirst()).sorted())
    }

    static func multipart(_ store: any ObjectStore) async throws {
        let part1 = ObjectPayload(bytes: TestFiles.bytes(size: 5 << 20, seed: 11))
        let part2 = ObjectPayload(bytes: TestFiles.bytes(size: 1234, seed: 12))
        let key = "parts/object.bin"
        let uploadID = try await store.createMultipartUpload(key: key, metadata: ["sha256": "abc"])
        let open = try await store.listMultipartUploads(prefix: "parts/")
        #expect(open.map(\.key) == [key] && open.map(\.uploadID) == [uploadID])
        #expect(open.first?.initiated.map { abs($0.timeIntervalSinceNow) < 600 } == true, "the store says when it started: \(open)")
        // Parts may arrive in any order; re-sending one is harmless.
        let etag2 = try await store.uploadPart(key: key, uploadID: uploadID, partNumber: 2, payload: part2)
        let etag1 = try await store.uploadPart(key: key, uploadID: uploadID, partNumber: 1, payload: part1)
        #expect(try await store.uploadPart(key: key, uploadID: uploadID, partNumber: 1, payload: part1) == etag1)
        #expect(etag1 == part1.md5Hex && etag2 == part2.md5Hex)
        let expected = ObjectUploader.multipartETag(partMD5s: [part1.md5, part2.md5])
        let etag = try await store.completeMultipartUpload(
            key: key, uploadID: uploadID,
            parts: [CompletedPart(partNumber: 1, etag: etag1), CompletedPart(partNumber: 2, etag: etag2)], expectedETag: expected)
        #expect(etag == expected)
        let info = try #require(try await store.headObject(key: key))
        #expect(info.size == (5 << 20) + 1234)
        #expect(info.etag == expected)
        #expect(info.metadata["sha256"] == "abc")
        let body = try await store.getObject(key: key, range: (5 << 20) - 2...(5 << 20) + 1)
        #expect(body == TestFiles.bytes(size: 5 << 20, seed: 11).suffix(2) + TestFiles.bytes(size: 1234, seed: 12).prefix(2))
        #expect(try await store.listMultipartUploads(prefix: "").isEmpty)

        let abandoned = try await store.createMultipartUpload(key: "parts/abandoned", metadata: [:])
        _ = try await store.uploadPart(key: "parts/abandoned", uploadID: abandoned, partNumber: 1, payload: part2)
        try await store.abortMultipartUpload(key: "parts/abandoned", uploadID: abandoned)
        #expect(try await store.listMultipartUploads(prefix: "").isEmpty)
        #expect(try await store.headObject(key: "parts/abandoned") == nil)
    }
}

/// Whether a key holds the very file compared with it.
func isSame(_ existing: ObjectUploader.ExistingObject) -> Bool {
    if case .same = existing { return true }
    return false
}
