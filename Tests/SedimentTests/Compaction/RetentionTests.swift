import Foundation
import Logging
import SedimentObjectStore
import Testing
@testable import Sediment

@Suite("Retention")
struct RetentionTests {
    static func messages(_ range: Range<Int>, seed: UInt64 = 21) -> [Message] {
        var factory = MessageFactory(seed: seed)
        return range.map { i in
            var message = factory.message(partition: Int32(i % 2), offset: Int64(i / 2), timestamp: windowBase + Int64(i) * 200)
            message.value = factory.bytes(400)
            return message
        }
    }

    /// An archive of 12,000 messages over two partitions, in more than four segments.
    static func filled(_ label: String) throws -> (fixture: CompactionFixture, messages: [Message], segments: [String]) {
        let fixture = CompactionFixture(label: label)
        let messages = Self.messages(0..<12_000)
        try fixture.append(messages)
        let segments = Self.segmentFiles(fixture)
        #expect(segments.count > 4, "\(segments)")
        return (fixture, messages, segments)
    }

    static func segmentFiles(_ fixture: CompactionFixture) -> [String] {
        (FileManager.default.enumerator(atPath: fixture.path + "/segments")?.allObjects ?? [])
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".seg") }.sorted()
    }

    @Test("segments whose messages are all in jsonl windows are deleted on the next run; queries and appends go on")
    func compactedSegmentsDeleted() throws {
        let (fixture, first, segmentsBefore) = try Self.filled("retention")
        let before = try fixture.query()
        #expect(try fixture.compact(granularity(5), closeAll: true).segmentsDeleted == 0)
        let summary = try fixture.compact(closeAll: true)
        #expect(summary.segmentsDeleted == segmentsBefore.count - 2)
        let lastOfEach = ["0", "1"].compactMap { partition in segmentsBefore.last { $0.hasPrefix("local/orders/\(partition)/") } }
        #expect(Self.segmentFiles(fixture) == lastOfEach)
        expectSame(try fixture.query(), before)
        expectSame(try fixture.query((windowBase + 300_000)..<(windowBase + 900_000), partitions: [1]),
                   before.filter { (windowBase + 300_000..<windowBase + 900_000).contains($0.timestamp) && $0.partition == 1 })

        // The writer reopens on what is left and goes on; new data is queried with the old.
        let second = Self.messages(12_000..<14_000, seed: 22)
        try fixture.append(second)
        expectSame(try fixture.query(), byTime(first + second))
        try fixture.compact(closeAll: true)
        try fixture.compact(closeAll: true)
        expectSame(try fixture.query(), byTime(first + second))
    }

    @Test("a cursor open across the runs keeps every file it may read; deletions wait until it is gone")
    func openCursorHoldsDeletions() throws {
        let (fixture, messages, segments) = try Self.filled("retention-reader")
        // Opened before the windows exist: its snapshot reads every message from segments.
        let cursor = try Archive.open(at: fixture.path).messages(instance: "local", topic: "orders", in: Int64.min..<Int64.max)
        let first = try #require(try cursor.next())
        try fixture.compact(granularity(5), closeAll: true)
        #expect(try fixture.compact(closeAll: true).segmentsDeleted == 0)
        #expect(Self.segmentFiles(fixture) == segments)
        var read = [first]
        while let message = try cursor.next() { read.append(message) }
        expectSame(read, byTime(messages))
        // Once the cursor is gone, the next run deletes what the windows hold.
        _ = consume cursor
        #expect(try fixture.compact(closeAll: true).segmentsDeleted == segments.count - 2)
        expectSame(try fixture.query(), byTime(messages))
    }

    @Test("text windows are lossy: their segments stay; --keep-segments keeps every segment")
    func segmentsKept() throws {
        for keep in [false, true] {
            let fixture = CompactionFixture(label: "retention-keep")
            try fixture.append(Self.messages(0..<8000).map { var m = $0; m.value = Array("v\(m.offset)".utf8); m.headers = []; return m })
            let segments = Self.segmentFiles(fixture)
            var change = granularity(5)
            if !keep { change.format = .text }
            let compactor = try fixture.compactor()
            compactor.retention.deleteCompactedSegments = !keep
            try compactor.configure(instance: "local", topic: "orders", change)
            for _ in 0..<2 { _ = try compactor.compact(instance: "local", topic: "orders", closeAll: true) }
            #expect(Self.segmentFiles(fixture) == segments)
        }
    }

    @Test("local retention deletes window files whose window ended long enough ago, and only once a target confirmed them")
    func localWindowRetention() async throws {
        let fixture = CompactionFixture(label: "retention-windows")
        try fixture.append(Self.messages(0..<3000))
        try fixture.compact(granularity(5), closeAll: true)
        let files = try fixture.files()
        #expect(files.count == 2)
        fixture.now = files[0].windowEnd + minutes(60) + 1
        func retain() throws -> CompactionSummary {
            let compactor = try fixture.compactor()
            compactor.retention.localWindowRetention = minutes(60)
            return try compactor.compact(instance: "local", topic: "orders")
        }
        // No target known: the files are the only copy, whatever their age.
        #expect(try retain().windowFilesDeleted == 0)
        #expect(fixture.visibleWindowFiles() == files.map(\.path))

        let bucket = fixture.directory.file("bucket")
        let uploader = try WindowUploader(
            archive: fixture.path, store: try FileObjectStore(directory: bucket), targetURI: "file://" + bucket,
            options: .init(template: try KeyTemplate(KeyTemplate.defaultTemplate)), logger: Logger(label: "test.retention"))
        #expect(try await uploader.closingStore { try await uploader.uploadPending() }.objects == 2)
        #expect(try retain().windowFilesDeleted == 1)
        #expect(try fixture.files().map(\.locallyDeleted) == [true, false])
        #expect(fixture.visibleWindowFiles() == [files[1].path])
    }
}
