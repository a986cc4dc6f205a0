import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// A query returns every message of its range held anywhere: once local retention deleted
/// the windows and their segments, it reads them from the bucket, fetching only the members
/// its range needs.
@Suite("Queries that read the bucket")
struct BucketQueryTests {
    @Test("after local retention deleted every window file and segment, every query answers as before, from the bucket")
    func wholeRangeAfterRetention() async throws {
        let (fixture, _, uri) = try await RestoreTests.uploaded("bucket-query-all")
        let scratch = fixture.scratch
        let queries: [[String]] = [
            ["--from", "0"],
            ["--from", "\(windowBase + minutes(7))", "--to", "\(windowBase + minutes(23))", "--partition", "1"],
            ["--from", "\(windowBase + minutes(30))", "--to", "\(windowBase + minutes(31))"],
        ]
        func query(_ arguments: [String]) throws -> CLIProcess.Result {
            try CLIProcess.run(
                ["query", "--archive", fixture.path, "--topic", "orders"] + arguments, scratch: scratch, environment: UploadFixture.credentials())
        }
        let before = try queries.map { try CLIProcess.succeed(["query", "--archive", fixture.path, "--topic", "orders"] + $0, scratch: scratch) }
        for _ in 0..<2 {
            _ = try CLIProcess.succeed(
                ["compact", "--archive", fixture.path, "--local-retention", "1d", "--target", uri], scratch: scratch,
                environment: UploadFixture.credentials())
        }
        #expect(fixture.archive.visibleWindowFiles().isEmpty)

        for (arguments, expected) in zip(queries, before) {
            let after = try query(arguments + ["--stats"])
            #expect(after.succeeded && !expected.isEmpty && after.stdout == expected, "\(arguments): \(after.stdout.count) bytes for \(expected.count); \(after.summary)")
            #expect(after.stderr.contains("members read: ") && !after.stderr.contains("fetched from buckets: 0 B"), "\(after.stderr)")
            let local = try query(arguments + ["--local-only"])
            #expect(local.status == ExitStatus.data && local.stdout.isEmpty && local.stderr.contains("no longer held locally"), "\(local.summary)")
        }
        // Every member lies wholly in the range: those of windows no other tier holds
        // count from their members' counts, unfetched; the windows whose offsets the kept
        // last segments still hold are read, so that nothing counts twice.
        let counted = try query(["--from", "0", "--count", "--stats"])
        #expect(counted.stdoutText == "24000\n", "\(counted.summary)")
        let figures = counted.stderr.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(figures.count >= 2 && figures[1] >= 12 && figures[0] < figures[1], "most members counted unread: \(counted.stderr)")
        let partial = try query(["--from", "\(windowBase + minutes(30))", "--to", "\(windowBase + minutes(31))", "--count"])
        #expect(partial.stdoutText == "\(try before[2].split(separator: 0x0A).count)\n", "\(partial.summary)")
    }

    @Test("a 1-minute query of a 60-minute window only the bucket holds fetches the members holding its minute, at most one more on each side")
    func oneMinuteFetchesItsMembers() async throws {
        let fixture = try await UploadFixture(label: "bucket-query-minute")
        // 36,000 messages of about 1 KB over one hour: a 60-minute window of some 36 members.
        var messages: [Message] = []
        for i in 0..<36_000 {
            let text = "reading \(i) of sensor \(i % 13): " + String(repeating: "\(i % 10)", count: 900)
            messages.append(Message(partition: Int32(i % 2), offset: Int64(i / 2), timestamp: windowBase + Int64(i) * 100, value: Array(text.utf8)))
        }
        try fixture.archive.append(messages)
        var change = WindowSettingsChange()
        change.granularity = minutes(60)
        try fixture.archive.compact(change, closeAll: true)
        let bucket = try await fixture.server.makeBucket("bucket-query-minute")
        let proxy = try FaultProxy(upstreamPort: fixture.server.s3Port)
        defer { proxy.stop() }
        let uri = fixture.targetURI(bucket: bucket, endpoint: proxy.endpoint)
        for _ in 0..<2 {
            _ = try CLIProcess.succeed(
                ["compact", "--archive", fixture.path, "--local-retention", "1d", "--target", uri], scratch: fixture.scratch,
                environment: UploadFixture.credentials())
        }
        #expect(fixture.archive.visibleWindowFiles().isEmpty)
        let file = try #require(try fixture.archive.files().first)
        let manifest = try await fixture.server.withStore(bucket: bucket) {
            let key = WindowManifest.key(forObject: UploadFixture.defaultKey(file))
            return try WindowManifest.decode(try await $0.getObject(key: key), key: key)
        }
        #expect(manifest.members.count >= 30, "\(manifest.members.count) members")

        let from = windowBase + minutes(31) + 7_000
        let to = from + minutes(1)
        let expected = messages.filter { (from..<to).contains($0.timestamp) }.sorted { ($0.timestamp, $0.partition) < ($1.timestamp, $1.partition) }
        let holding = manifest.members.filter { $0.maxTimestamp >= from && $0.minTimestamp < to }.count
        let arguments = ["query", "--archive", fixture.path, "--topic", "orders", "--from", "\(from)", "--to", "\(to)", "--stats"]

        // The archive's own target: the index knows the window's key and members.
        let known = proxy.requests.count
        let viaIndex = try CLIProcess.succeed(arguments, scratch: fixture.scratch, environment: UploadFixture.credentials())
        let got = try OutputLine.decodeStrict(viaIndex)
        let gotPositions = got.map { "\($0.partition)/\($0.offset)/\($0.timestamp)" }
        let expectedPositions = expected.map { "\($0.partition)/\($0.offset)/\($0.timestamp)" }
        #expect(!expected.isEmpty && gotPositions == expectedPositions)
        let sent = Array(proxy.requests[known...])
        let ranged = sent.filter { request in
            request.kind == .get && request.headers.contains { $0.lowercased().hasPrefix("range: bytes=") }
        }
        #expect(ranged.count == sent.count, "ranged GETs only: \(sent.map(\.target))")
        #expect(sent.count <= holding + 2, "\(sent.count) requests for \(holding) members holding the minute")

        // Another target (the same bucket under another URI): listed, then its manifest, then members.
        let other = try FaultProxy(upstreamPort: fixture.server.s3Port)
        defer { other.stop() }
        let listed = try CLIProcess.succeed(
            arguments + ["--target", fixture.targetURI(bucket: bucket, endpoint: other.endpoint)], scratch: fixture.scratch,
            environment: UploadFixture.credentials())
        #expect(listed == viaIndex)
        let gets = other.requests.filter { $0.kind == .get }
        let manifests = gets.filter { $0.target.contains(".manifest.json") }
        #expect(manifests.count == 1 && other.requests.filter { $0.kind == .list }.count == 1, "\(other.requests.map(\.target))")
        #expect(gets.count - manifests.count <= holding + 2, "\(gets.count - manifests.count) member GETs for \(holding) members holding the minute")
    }
}
