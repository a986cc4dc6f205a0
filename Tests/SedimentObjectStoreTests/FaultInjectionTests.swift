import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// Uploads through `FaultProxy`: every fault is recovered, every upload ends verified
/// and byte-identical, and no multipart upload is left open.
@Suite struct FaultInjectionTests {
    let logger = Logger(label: "test.faults")

    /// Short enough that a `.slow` fault times out quickly, long enough for an 8 MiB part.
    static var impatient: HTTPObjectStore.Configuration {
        var configuration = SeaweedFS.fastRetries
        configuration.requestTimeout = .seconds(3)
        configuration.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(20), maxDelay: .milliseconds(300))
        return configuration
    }

    @Test func uploadsSurviveAScheduleOfFaults() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("faults")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let directory = try TestFiles.directory()
        let small = try TestFiles.make(size: 1_000_003, seed: 7, in: directory)
        let large = try TestFiles.make(size: 21_000_000, seed: 8, in: directory)

        proxy.inject([
            .init(kind: .putObject, fault: .status(503)),
            .init(kind: .putObject, fault: .resetMidBody),
            .init(kind: .putObject, fault: .dropReply),
            .init(kind: .createMultipart, fault: .dropReply),
            .init(kind: .uploadPart, fault: .status(500)),
            .init(kind: .uploadPart, fault: .resetMidBody),
            .init(kind: .uploadPart, fault: .slow(seconds: 4)),
            .init(kind: .uploadPart, fault: .dropReply),
            .init(kind: .uploadPart, fault: .status(429)),
            .init(kind: .complete, fault: .dropReply),
            .init(kind: .complete, fault: .status(503)),
        ])
        try await server.withStore(bucket: bucket, endpoint: proxy.endpoint, configuration: Self.impatient) { store async throws in
            let uploader = ObjectUploader(store: store, logger: logger)
            let first = try await uploader.upload(file: small, to: "faults/small.bin")
            let second = try await uploader.upload(file: large, to: "faults/large.bin")
            #expect(first.partCount == 1)
            #expect(second.partCount == 3)
        }
        #expect(proxy.pendingRules.isEmpty, "every fault was injected")

        // Checked directly against SeaweedFS, not through the proxy.
        try await server.withStore(bucket: bucket) { store async throws in
            for path in [small, large] {
                let key = "faults/" + (path.hasSuffix("1000003-7.bin") ? "small.bin" : "large.bin")
                let copy = directory + "/copy.bin"
                _ = try await store.downloadObject(key: key, range: nil, to: copy)
                #expect(try TestFiles.sha256(file: copy) == (try TestFiles.sha256(file: path)), "\(key) is byte-identical")
            }
            #expect(try await store.listMultipartUploads(prefix: "").isEmpty, "no multipart upload is left open")
        }
    }

    @Test func aFailedMultipartUploadIsAbortedAndLeavesNothingOpen() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("abort")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let path = try TestFiles.make(size: 17_000_000, seed: 9)
        // Every attempt of one part fails: the upload must fail, and be aborted.
        proxy.inject(Array(repeating: .init(kind: .uploadPart, fault: .status(503)), count: 40))
        var configuration = Self.impatient
        configuration.retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20))
        try await server.withStore(bucket: bucket, endpoint: proxy.endpoint, configuration: configuration) { store async throws in
            var settings = ObjectUploader.Configuration()
            settings.concurrency = 1
            let uploader = ObjectUploader(store: store, configuration: settings, logger: logger)
            let error = await #expect(throws: ObjectStoreError.self) {
                try await uploader.upload(file: path, to: "doomed.bin")
            }
            #expect(error?.httpStatus == 503)
            #expect(error?.isRetriable == true)
        }
        #expect(proxy.requests.filter { $0.kind == .abort }.count >= 1)
        try await server.withStore(bucket: bucket) { store async throws in
            #expect(try await store.listMultipartUploads(prefix: "").isEmpty)
            #expect(try await store.headObject(key: "doomed.bin") == nil)
        }
    }
}
