import Foundation
import GRDB
import Testing
@testable import Sediment

/// 2023-11-14T22:00:00Z: aligned to every granularity up to 60 minutes.
let windowBase: Int64 = 1_699_999_200_000

func granularity(_ minutesCount: Int64) -> WindowSettingsChange {
    var change = WindowSettingsChange()
    change.granularity = minutes(minutesCount)
    return change
}

func byTime(_ messages: [Message]) -> [Message] {
    messages.sorted { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
}

/// Decodes Sediment's jsonl lines (what zcat prints of a jsonl window file).
func decodeLines(_ data: Data) throws -> [Message] {
    var messages: [Message] = []
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
        messages.append(try Array(line).withUnsafeBytes { try JSONLineDecoder.decode($0).message })
    }
    return messages
}

@Suite("Compactor")
struct CompactorTests {
    @Test("a window is [start, end): a timestamp at the end belongs to the next window")
    func boundaries() throws {
        let fixture = CompactionFixture(label: "boundaries")
        let times = [windowBase, windowBase + minutes(5) - 1, windowBase + minutes(5), windowBase + minutes(10)]
        try fixture.append(times.enumerated().map { Message(offset: Int64($0.offset), timestamp: $0.element, value: Array("m\($0.offset)".utf8)) })
        try fixture.compact(granularity(5), closeAll: true)
        let files = try fixture.files()
        #expect(files.map(\.windowStart) == [windowBase, windowBase + minutes(5), windowBase + minutes(10)])
        #expect(files.map { $0.windowEnd - $0.windowStart } == [minutes(5), minutes(5), minutes(5)])
        let contents = try fixture.readWithGzipTools(files).map { try decodeLines($0).map(\.offset) }
        #expect(contents == [[0, 1], [2], [3]])
        #expect(files[0].path == "windows/local/orders/2023-11-14/1699999200.jsonl.gz")
    }

    @Test("a message arriving after its window was written goes into part 2; queries return both")
    func lateData() throws {
        let fixture = CompactionFixture(label: "late")
        let early = (0..<100).map { Message(offset: Int64($0), timestamp: windowBase + Int64($0) * 1000, value: Array("early \($0)".utf8)) }
        try fixture.append(early)
        try fixture.compact(granularity(5), closeAll: true)
        let late = Message(offset: 100, timestamp: windowBase + 500, value: Array("late".utf8))
        try fixture.append([late])
        let summary = try fixture.compact(closeAll: true)
        #expect(summary.files == 1 && summary.messages == 1)
        let files = try fixture.files()
        #expect(files.map(\.part) == [1, 2])
        #expect(files[1].path == "windows/local/orders/2023-11-14/1699999200.part2.jsonl.gz")
        let contents = try fixture.readWithGzipTools(files)
        #expect(try decodeLines(contents[0]) == early)
        #expect(try decodeLines(contents[1]) == [late])
        expectSame(try fixture.query(), byTime(early + [late]))
        // Nothing new: a rerun writes nothing and leaves both files as they were.
        #expect(try fixture.compact(closeAll: true).files == 0)
        #expect(try fixture.readWithGzipTools(try fixture.files()) == contents)
    }

    @Test("with a 1 MB cap every part is at most 1 MB and the parts hold the window exactly")
    func splitAtCap() throws {
        let fixture = CompactionFixture(label: "split")
        var factory = MessageFactory(seed: 7)
        let messages = (0..<5000).map { i in
            Message(partition: Int32(i % 2), offset: Int64(i / 2), timestamp: windowBase + Int64(i) * 100, value: factory.bytes(1000))
        }
        try fixture.append(messages)
        var change = granularity(60)
        change.maxFileSize = 1_000_000
        try fixture.compact(change, closeAll: true)
        let files = try fixture.files()
        #expect(files.count >= 3, "only \(files.count) parts")
        #expect(files.allSatisfy { $0.size <= 1_000_000 }, "sizes \(files.map(\.size))")
        #expect(files.map(\.part) == Array(1...files.count))
        #expect(files.dropFirst().allSatisfy { $0.path.contains(".part\($0.part).") })
        let parts = try fixture.readWithGzipTools(files)
        expectSame(try parts.flatMap(decodeLines), byTime(messages))
        #expect(files.map(\.count).reduce(0, +) == messages.count)
        for (file, data) in zip(files, try files.map(fixture.contents)) {
            #expect(Int64(data.count) == file.size)
        }
    }

    @Test("jsonl files parse back to the original messages, binary values, keys and headers included")
    func jsonlContent() throws {
        let fixture = CompactionFixture(label: "jsonl")
        let messages = SegmentStoreTests.sample(perPartition: 3000).map { message -> Message in
            var message = message
            message.timestamp = windowBase + (message.timestamp - 1_700_000_000_000) * 20
            return message
        }
        try fixture.append(messages)
        try fixture.compact(granularity(5), closeAll: true)
        let files = try fixture.files()
        #expect(files.count > 1)
        expectSame(try fixture.readWithGzipTools(files).flatMap(decodeLines), byTime(messages))
        #expect(messages.contains { $0.value.map { !$0.withUnsafeBytes(UTF8Validation.isValidUTF8) } ?? false })
    }

    @Test("text files are the values, each followed by a newline")
    func textContent() throws {
        let fixture = CompactionFixture(label: "text")
        let values = (0..<3000).map { "line \($0) é ✓ " + String(repeating: "x", count: $0 % 50) }
        try fixture.append(values.enumerated().map { Message(partition: Int32($0.offset % 3), offset: Int64($0.offset / 3), timestamp: windowBase + Int64($0.offset), value: Array($0.element.utf8)) })
        var change = granularity(5)
        change.format = .text
        try fixture.compact(change, closeAll: true)
        let files = try fixture.files()
        #expect(files.map(\.path) == ["windows/local/orders/2023-11-14/1699999200.txt.gz"])
        let text = try fixture.readWithGzipTools(files)[0]
        #expect(String(decoding: text, as: UTF8.self) == values.map { $0 + "\n" }.joined())
    }

    @Test("text format: a value that is not UTF-8 fails by default, naming it, and changes nothing; skip counts; replace substitutes")
    func invalidUTF8() throws {
        let fixture = CompactionFixture(label: "utf8")
        let messages = [
            Message(offset: 0, timestamp: windowBase, value: Array("good".utf8)),
            Message(offset: 1, timestamp: windowBase + 1, value: [0x61, 0xFF, 0x62]),
            Message(offset: 2, timestamp: windowBase + 2, value: Array("also good".utf8)),
        ]
        try fixture.append(messages)
        var change = granularity(5)
        change.format = .text
        #expect {
            try fixture.compact(change, closeAll: true)
        } throws: { error in
            "\(error)".contains("partition 0 offset 1") && "\(error)".contains("not valid UTF-8")
        }
        #expect(try fixture.files().isEmpty)
        #expect(fixture.visibleWindowFiles().isEmpty)
        #expect(FullDiskTests.leftovers(fixture.path).isEmpty)

        change.invalidUTF8 = .skip
        let summary = try fixture.compact(change, closeAll: true)
        #expect(summary.skipped == 1 && summary.messages == 2)
        #expect(try fixture.files().map(\.skipped) == [1])
        #expect(try fixture.readWithGzipTools(try fixture.files()) == [Data("good\nalso good\n".utf8)])

        let replaced = CompactionFixture(label: "utf8-replace")
        try replaced.append(messages)
        change.invalidUTF8 = .replace
        try replaced.compact(change, closeAll: true)
        #expect(try replaced.readWithGzipTools(try replaced.files()) == [Data("good\na\u{FFFD}b\nalso good\n".utf8)])
    }

    @Test("two compactions of the same data give byte-identical files")
    func deterministic() throws {
        let messages = SegmentStoreTests.sample(perPartition: 20_000, seed: 3).map { message -> Message in
            var message = message
            message.timestamp = windowBase + (message.timestamp - 1_700_000_000_000) * 10
            return message
        }
        var outputs: [[Data]] = []
        for run in 0..<2 {
            let fixture = CompactionFixture(label: "deterministic-\(run)")
            // Different batching on the writer side must not matter either.
            for chunk in stride(from: 0, to: messages.count, by: run == 0 ? 7000 : 12_345) {
                try fixture.append(Array(messages[chunk..<min(chunk + 12_345, messages.count)].prefix(run == 0 ? 7000 : 12_345)))
            }
            try fixture.compact(granularity(60), closeAll: true)
            let files = try fixture.files()
            #expect(files.contains { $0.inputSize > 2 << 20 }, "no window spans several members")
            outputs.append(try files.map(fixture.contents))
        }
        #expect(outputs[0].count == outputs[1].count)
        #expect(outputs[0] == outputs[1])
    }

    @Test("query results are identical before, during and after compaction, for any range and partition")
    func queriesAcrossWindowsAndSegments() throws {
        let fixture = CompactionFixture(label: "query")
        var factory = MessageFactory(seed: 11)
        var messages: [Message] = []
        var rng = SplitMix64(seed: 5)
        for partition in Int32(0)..<3 {
            for offset in Int64(0)..<4000 {
                // Mostly rising, with some timestamps going backwards by up to 3 minutes.
                let jitter = Int64(rng.next() % 10 == 0 ? -Int64(rng.next() % 180_000) : 0)
                messages.append(factory.message(partition: partition, offset: offset, timestamp: windowBase + offset * 900 + jitter))
            }
        }
        fixture.now = windowBase + minutes(60)
        try fixture.append(messages)
        let ranges: [Range<Int64>] = [
            Int64.min..<Int64.max, windowBase..<(windowBase + minutes(5)), (windowBase + 123_456)..<(windowBase + minutes(37)),
            (windowBase + minutes(59))..<(windowBase + minutes(61)),
        ]
        func snapshot() throws -> [[Message]] {
            try ranges.map { try fixture.query($0) } + [try fixture.query(partitions: [1])]
        }
        let before = try snapshot()
        #expect(before[0].count == messages.count)
        var change = granularity(5)
        change.grace = minutes(1)
        try fixture.compact(change) // the partitions are active: only the windows the watermark passed close
        let partial = try fixture.files()
        #expect(!partial.isEmpty && partial.last!.windowEnd < windowBase + minutes(60))
        #expect(try snapshot() == before)
        try fixture.compact(closeAll: true)
        #expect(try fixture.files().count > partial.count)
        #expect(try snapshot() == before)
    }

    @Test("the watermark is the lowest latest timestamp of active partitions; an idle one stops holding it back")
    func watermark() throws {
        let fixture = CompactionFixture(label: "watermark")
        fixture.now = windowBase + minutes(31)
        try fixture.append([Message(partition: 1, offset: 0, timestamp: windowBase + minutes(10), value: [1])])
        fixture.now = windowBase + minutes(33)
        try fixture.append([
            Message(partition: 0, offset: 0, timestamp: windowBase + minutes(2), value: [0]),
            Message(partition: 0, offset: 1, timestamp: windowBase + minutes(30), value: [0]),
        ])
        var change = granularity(5)
        change.grace = minutes(1)
        try fixture.compact(change)
        // Partition 1 has been idle for 2 minutes (> grace): partition 0's 30m is the watermark.
        #expect(try fixture.files().map(\.windowStart) == [windowBase, windowBase + minutes(10)])
        // Everyone idle: the wall clock closes the rest once it passes their end plus grace.
        fixture.now = windowBase + minutes(36)
        try fixture.compact()
        #expect(try fixture.files().map(\.windowStart) == [windowBase, windowBase + minutes(10), windowBase + minutes(30)])
    }

    @Test("changed settings apply to new windows only; status lists the change")
    func settingsChange() throws {
        let fixture = CompactionFixture(label: "settings")
        try fixture.append((0..<10).map { Message(offset: Int64($0), timestamp: windowBase + minutes(Int64($0)), value: [1]) })
        try fixture.compact(granularity(5), closeAll: true)
        let first = try fixture.files()
        #expect(first.map(\.windowStart) == [windowBase, windowBase + minutes(5)])
        try fixture.append((10..<40).map { Message(offset: Int64($0), timestamp: windowBase + minutes(Int64($0)), value: [1]) })
        var change = granularity(15)
        change.compressionLevel = 1
        try fixture.compact(change, closeAll: true)
        let files = try fixture.files()
        #expect(Array(files.prefix(2)) == first)
        // From 10m (the end of the last window written) on, 15-minute windows aligned in UTC.
        #expect(files.dropFirst(2).map { ($0.windowStart - windowBase) / 60_000 } == [10, 15, 30])
        #expect(files.dropFirst(2).map { ($0.windowEnd - windowBase) / 60_000 } == [15, 30, 45])
        let history = try Archive.open(at: fixture.path).windowSettings(instance: "local", topic: "orders")
        #expect(history.map(\.since) == [nil, windowBase + minutes(10)])
        #expect(history.map(\.settings.granularity) == [minutes(5), minutes(15)])
        expectSame(try fixture.query(), try fixture.readWithGzipTools(files).flatMap(decodeLines))
    }

    @Test(
        "a pass that finds the positions behind the files (a crash after a window was recorded, before they moved on) writes nothing twice",
        arguments: [WindowSettings.WindowTime.message, .ingest])
    func positionsBehindFiles(windowTime: WindowSettings.WindowTime) throws {
        let fixture = CompactionFixture(label: "positions-behind")
        fixture.now = windowBase + minutes(7)
        let messages = (0..<50).map {
            Message(partition: Int32($0 % 2), offset: Int64($0 / 2), timestamp: windowBase + minutes(5) + Int64($0), value: [3])
        }
        try fixture.append(messages)
        var change = granularity(5)
        change.windowTime = windowTime
        change.grace = 0
        fixture.now = windowBase + minutes(20)
        #expect(try fixture.compact(change).messages == 50)
        try DatabaseQueue(path: fixture.path + "/sediment.sqlite").write { try $0.execute(sql: "DELETE FROM compaction_positions") }
        let again = try fixture.compact()
        #expect(again.files == 0 && again.messages == 0, "\(again)")
        #expect(try fixture.files().count == 1)
        expectSame(try fixture.query(), byTime(messages))
    }

    @Test("ingest time places messages by when they were stored, whatever their timestamps")
    func ingestTime() throws {
        let fixture = CompactionFixture(label: "ingest-time")
        fixture.now = windowBase + minutes(7)
        let old = (0..<50).map { Message(partition: Int32($0 % 2), offset: Int64($0 / 2), timestamp: 1_000_000 + Int64($0), value: [2]) }
        try fixture.append(old)
        var change = granularity(5)
        change.windowTime = .ingest
        change.grace = 0
        fixture.now = windowBase + minutes(9)
        #expect(try fixture.compact(change).files == 0) // [5m, 10m) is still open on the wall clock
        fixture.now = windowBase + minutes(10)
        try fixture.compact()
        let files = try fixture.files()
        #expect(files.map(\.windowStart) == [windowBase + minutes(5)])
        expectSame(try fixture.readWithGzipTools(files).flatMap(decodeLines), byTime(old))
        expectSame(try fixture.query(), byTime(old))
        var back = WindowSettingsChange()
        back.windowTime = .message
        #expect(throws: SedimentError.self) { try fixture.compact(back) }
    }

    @Test("a one-minute query into a compacted 60-minute window inflates at most 2 members more than it needs")
    func seeking() throws {
        let fixture = CompactionFixture(label: "seek")
        var factory = MessageFactory(seed: 13)
        let messages = (0..<60_000).map { i in
            Message(partition: Int32(i % 4), offset: Int64(i / 4), timestamp: windowBase + Int64(i) * 60, value: factory.bytes(100))
        }
        try fixture.append(messages)
        try fixture.compact(granularity(60), closeAll: true)
        let archive = try Archive.open(at: fixture.path)
        let range = (windowBase + minutes(30))..<(windowBase + minutes(31))
        let cursor = try archive.messages(instance: "local", topic: "orders", in: range)
        let found = try cursor.all()
        expectSame(found, messages.filter { range.contains($0.timestamp) })
        // The window holds many members, so reading them all would show; the range needs
        // exactly those that held one of its messages.
        let members = try fixture.files().reduce(0) { $0 + Int($1.inputSize >> 20) }
        #expect(members >= 10, "the window has only about \(members) members")
        let needed = cursor.windowMembersUsed
        #expect(needed >= 1)
        #expect(cursor.windowMembersRead <= needed + 2, "read \(cursor.windowMembersRead) members, the range needs \(needed)")
    }

    @Test("thousands of messages sharing one timestamp, over many blocks, come in (partition, offset) order before and after compaction")
    func equalTimestamps() throws {
        let fixture = CompactionFixture(label: "equal-ts")
        var factory = MessageFactory(seed: 17)
        var messages: [Message] = []
        for i in 0..<9000 {
            let timestamp: Int64 = windowBase + (i < 7000 ? 42 : Int64(i))
            messages.append(Message(partition: Int32(i % 3), offset: Int64(i / 3), timestamp: timestamp, value: factory.bytes(64)))
        }
        try fixture.append(messages)
        let expected = byTime(messages)
        expectSame(try fixture.query(), expected)
        try fixture.compact(granularity(5), closeAll: true)
        expectSame(try fixture.query(), expected)
        expectSame(try fixture.readWithGzipTools(try fixture.files()).flatMap(decodeLines), expected)
    }

    @Test("writing a window removes its unrecorded leftover parts, and leaves alone the names in its directory that are no window file")
    func unrecordedLeftovers() throws {
        let fixture = CompactionFixture(label: "leftovers")
        try fixture.append([Message(offset: 0, timestamp: windowBase + 1_000, value: Array("m".utf8))])
        let directory = fixture.path + "/windows/local/orders/2023-11-14"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let leftover = "1699999200.part2.jsonl.gz"
        let foreign = ["1699999200.notes.txt", "1699999200.p.part2.jsonl.gz", "1699999200.px.jsonl.gz", "1699999200.part01.jsonl.gz"]
        for name in [leftover] + foreign { #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("x".utf8))) }
        try fixture.compact(granularity(5), closeAll: true)
        #expect(try fixture.files().map(\.path) == ["windows/local/orders/2023-11-14/1699999200.jsonl.gz"])
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(kept == (["1699999200.jsonl.gz"] + foreign).sorted(), "\(leftover), a part the index does not hold, is a crash's leftover; the rest are not")
    }
}
