import Testing
@testable import Sediment

@Suite("WindowCoverage")
struct WindowCoverageTests {
    /// The end of the windows the first compaction closes (see `compactedArchive`).
    static let closedBefore = windowBase + minutes(10)

    /// Two partitions, a 1 KB message each every 10 s from windowBase for 13m50s: 16
    /// messages to a 16 KiB block, so some blocks lie inside a window and some straddle
    /// a boundary.
    static func messages() -> [Message] {
        (Int64(0)..<84).flatMap { step in
            (Int32(0)..<2).map { partition in
                Message(
                    partition: partition, offset: step, timestamp: windowBase + step * 10_000,
                    value: [UInt8](repeating: UInt8(step), count: 1000))
            }
        }
    }

    /// Compacted in 5-minute windows with the clock at windowBase + 13m20s: the watermark
    /// less the minute of grace closes the windows before windowBase + 10 min.
    static func compactedArchive(label: String, format: WindowSettings.Format = .jsonl) throws -> CompactionFixture {
        let fixture = CompactionFixture(label: label)
        try fixture.append(messages())
        var change = granularity(5)
        change.format = format
        let summary = try fixture.compact(change)
        #expect(summary.windows == 2)
        return fixture
    }

    /// What a query builds: a snapshot of the index, the coverage over it, and every block.
    struct Reading {
        let archive: Archive
        let snapshot: QuerySnapshot
        let coverage: WindowCoverage
        let blocks: [BlockRow]

        init(_ fixture: CompactionFixture, compactedBelow: [Int32: Int64]? = nil, maxFileID: Int64? = nil) throws {
            archive = try Archive.open(at: fixture.path)
            let index = archive.index
            let (snapshot, deleted, blocks) = try index.read { db in
                let snapshot = try QuerySnapshot(index: index, instance: fixture.instance, topic: fixture.topic, in: db)
                let deleted = try index.locallyDeletedWindows(
                    instance: fixture.instance, topic: fixture.topic, maxFileID: snapshot.maxFileID, in: db)
                let blocks = try (Int32(0)..<2).flatMap { partition in
                    try index.blocks(
                        of: PartitionKey(instance: fixture.instance, topic: fixture.topic, partition: partition),
                        from: 0, below: .max, in: db)
                }
                return (snapshot, deleted, blocks)
            }
            self.snapshot = snapshot
            self.blocks = blocks
            coverage = WindowCoverage(
                index: index, instance: fixture.instance, topic: fixture.topic, schedule: try #require(snapshot.schedule),
                compactedBelow: compactedBelow ?? snapshot.compactedBelow, maxFileID: maxFileID ?? snapshot.maxFileID)
            coverage.locallyDeletedWindows = deleted
        }

        func block(of message: Message) -> BlockRow {
            blocks.first { $0.partition == message.partition && ($0.firstOffset...$0.lastOffset).contains(message.offset) }!
        }

        func isInFile(_ message: Message) throws -> Bool {
            try coverage.isInFile(RunBound(message), window: coverage.window(of: RunBound(message), in: block(of: message)))
        }
    }

    @Test("a message is in a file exactly when its window was written, by the hint or by the window's own coverage")
    func inFile() throws {
        let fixture = try Self.compactedArchive(label: "coverage-in-file")
        let reading = try Reading(fixture)
        // The hint stops at the first block that reaches an open window.
        for partition in Int32(0)..<2 {
            let straddling = reading.blocks.first { $0.partition == partition && $0.maxTimestamp >= Self.closedBefore }!
            #expect(reading.snapshot.compactedBelow[partition] == straddling.firstOffset)
            #expect(straddling.minTimestamp < Self.closedBefore, "no block straddles the boundary: the test proves less")
        }
        // Without the hint, the windows' covered_end must say the same, message by message.
        let withoutHint = try Reading(fixture, compactedBelow: [:])
        for message in Self.messages() {
            let expected = message.timestamp < Self.closedBefore
            #expect(try reading.isInFile(message) == expected, "\(message.partition)/\(message.offset)")
            #expect(try withoutHint.isInFile(message) == expected, "\(message.partition)/\(message.offset) without the hint")
        }
    }

    @Test("a block is served by windows only when all of it is below the compaction hint")
    func blocksServed() throws {
        let fixture = try Self.compactedArchive(label: "coverage-blocks")
        let reading = try Reading(fixture)
        let served = reading.blocks.filter { reading.coverage.isServedByWindows($0) }
        #expect(!served.isEmpty)
        #expect(served.allSatisfy { $0.maxTimestamp < Self.closedBefore })
        for block in reading.blocks where !served.contains(block) {
            #expect(block.lastOffset >= reading.snapshot.compactedBelow[block.partition]!)
        }
        // A straddling block is read, and its messages of closed windows are then left to the windows.
        let straddling = reading.blocks.first { $0.minTimestamp < Self.closedBefore && $0.maxTimestamp >= Self.closedBefore }!
        #expect(!reading.coverage.isServedByWindows(straddling))
        let inside = Self.messages().filter {
            $0.partition == straddling.partition && (straddling.firstOffset...straddling.lastOffset).contains($0.offset)
        }
        let byWindows = try inside.filter { try reading.coverage.isServedByWindows(RunBound($0), in: straddling) }
        #expect(!byWindows.isEmpty && byWindows.count < inside.count)
        #expect(byWindows.allSatisfy { $0.timestamp < Self.closedBefore })
    }

    @Test("a window listed as locally deleted is never served by windows, though its messages are in a file")
    func locallyDeleted() throws {
        let fixture = try Self.compactedArchive(label: "coverage-deleted")
        let reading = try Reading(fixture)
        let deleted = windowBase..<(windowBase + minutes(5))
        let servedBefore = reading.blocks.filter { reading.coverage.isServedByWindows($0) }
        reading.coverage.locallyDeletedWindows = [deleted]
        for block in servedBefore {
            let meetsDeleted = block.minTimestamp < deleted.upperBound
            #expect(reading.coverage.isServedByWindows(block) == !meetsDeleted, "block \(block.partition)/\(block.firstOffset)")
        }
        #expect(servedBefore.contains { $0.minTimestamp < deleted.upperBound }, "no block in the deleted window")
        #expect(servedBefore.contains { $0.minTimestamp >= deleted.upperBound }, "no block after the deleted window")
        for message in Self.messages() where message.timestamp < Self.closedBefore {
            let block = reading.block(of: message)
            #expect(try reading.isInFile(message))
            #expect(try reading.coverage.isServedByWindows(RunBound(message), in: block) == !deleted.contains(message.timestamp))
        }
        // A deleted range that only touches the window's end meets nothing after it.
        reading.coverage.locallyDeletedWindows = [(windowBase - minutes(5))..<windowBase]
        #expect(reading.blocks.filter { reading.coverage.isServedByWindows($0) } == servedBefore)
    }

    @Test("files recorded after the snapshot's maxFileID do not count")
    func snapshotBound() throws {
        let fixture = try Self.compactedArchive(label: "coverage-snapshot")
        let before = try Reading(fixture)
        try fixture.compact(closeAll: true)
        let after = try Reading(fixture)
        let old = try Reading(fixture, compactedBelow: before.snapshot.compactedBelow, maxFileID: before.snapshot.maxFileID)
        #expect(after.snapshot.maxFileID > before.snapshot.maxFileID)
        for message in Self.messages() {
            #expect(try after.isInFile(message))
            #expect(try old.isInFile(message) == (message.timestamp < Self.closedBefore))
        }
    }

    @Test("messages in text files are in a file but never served by windows: text loses keys, headers and offsets")
    func textFiles() throws {
        let fixture = try Self.compactedArchive(label: "coverage-text", format: .text)
        let reading = try Reading(fixture)
        #expect(try fixture.files().allSatisfy { $0.format == .text })
        #expect(!reading.blocks.contains { reading.coverage.isServedByWindows($0) })
        for message in Self.messages() {
            #expect(try reading.isInFile(message) == (message.timestamp < Self.closedBefore))
            #expect(try !reading.coverage.isServedByWindows(RunBound(message), in: reading.block(of: message)))
        }
    }
}
