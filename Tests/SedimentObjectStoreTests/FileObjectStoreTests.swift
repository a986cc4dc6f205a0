import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// The file:// backend: the same contract as the S3 one, and its on-disk promises.
@Suite struct FileObjectStoreTests {
    let logger = Logger(label: "test.file")

    func makeStore() throws -> FileObjectStore {
        try FileObjectStore(target: ObjectTarget(parsing: "file://" + TestFiles.directory()))
    }

    @Test func roundTrips() async throws {
        try await ObjectStoreContract.roundTrips(try makeStore())
    }

    @Test func multipartThroughTheProtocol() async throws {
        try await ObjectStoreContract.multipart(try makeStore())
    }

    @Test func uploaderSingleAndMultipartAreByteIdentical() async throws {
        let store = try makeStore()
        let directory = try TestFiles.directory()
        var settings = ObjectUploader.Configuration()
        settings.partSize = 5 << 20
        let uploader = ObjectUploader(store: store, configuration: settings, logger: logger)
        for (size, parts) in [(1 << 20, 1), (23_000_000, 5)] {
            let path = try TestFiles.make(size: size, seed: UInt64(size), in: directory)
            let uploaded = try await uploader.upload(file: path, to: "w/\(size).bin")
            #expect(uploaded.partCount == parts)
            #expect(try TestFiles.sha256(file: store.target.bucket + "/w/\(size).bin") == uploaded.sha256)
            #expect(isSame(try await uploader.existingObject(key: "w/\(size).bin", sha256: uploaded.sha256)))
            #expect(!isSame(try await uploader.existingObject(key: "w/\(size).bin", sha256: String(repeating: "0", count: 64))))
        }
        #expect(try await store.listMultipartUploads(prefix: "").isEmpty)
        // Nothing but the objects and the hidden metadata is left in the directory.
        let entries = try FileManager.default.subpathsOfDirectory(atPath: store.target.bucket)
        #expect(entries.filter { !$0.hasPrefix(".sediment-") }.sorted() == ["w", "w/1048576.bin", "w/23000000.bin"])
    }

    @Test func keysThatLeaveTheDirectoryAreRefused() async throws {
        let store = try makeStore()
        for key in ["../escape", "a/../../b", "/absolute", "a//b", ".sediment-meta/x", ""] {
            await #expect(throws: ObjectStoreError.self, "\(key)") {
                try await store.putObject(key: key, payload: ObjectPayload(bytes: Data("x".utf8)))
            }
        }
    }

    @Test func aPayloadWhoseBytesChangedIsRefused() async throws {
        let store = try makeStore()
        let path = try TestFiles.make(size: 4096, seed: 5)
        let payload = try await ObjectPayload.file(path: path)
        try TestFiles.bytes(size: 4096, seed: 6).write(to: URL(fileURLWithPath: path))
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.putObject(key: "changed.bin", payload: payload)
        }
        #expect(error?.code == .checksumMismatch)
        #expect(try await store.headObject(key: "changed.bin") == nil)
    }
}
