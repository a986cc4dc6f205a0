import Testing
@testable import Sediment

@Suite("Time-range queries")
struct TimeRangeTests {
    let directory = TemporaryDirectory(label: "store")


    func archive(_ messages: [Message], blockBytes: Int = 4096) throws -> ArchiveWriter {
        let writer = try ArchiveWriter(at: directory.path, options: SegmentStoreTests.options(blockBytes: blockBytes))
        _ = try writer.append(messages, instance: "local", topic: "t")
        return writer
    }

    func query(_ writer: ArchiveWriter, _ range: Range<Int64>, partitions: Set<Int32>? = nil) throws -> [Message] {
        try writer.archive.messages(instance: "local", topic: "t", in: range, partitions: partitions).all()
    }

    @Test("from is inclusive, to is exclusive, to the millisecond")
    func boundaries() throws {
        let stamps: [Int64] = [999, 1000, 1001, 1999, 2000, 2001, 2999, 3000]
        let messages = stamps.enumerated().map { Message(offset: Int64($0.offset), timestamp: $0.element, value: Array("\($0.element)".utf8)) }
        let writer = try archive(messages)
        #expect(try query(writer, 1000..<2000).map(\.timestamp) == [1000, 1001, 1999])
        #expect(try query(writer, 2000..<3000).map(\.timestamp) == [2000, 2001, 2999])
        #expect(try query(writer, 1000..<1001).map(\.timestamp) == [1000])
        #expect(try query(writer, 2000..<2000).isEmpty)
        #expect(try query(writer, 3001..<9000).isEmpty)
        #expect(try query(writer, 0..<999).isEmpty)
        #expect(try query(writer, 0..<Int64.max).count == stamps.count)
    }

    @Test("equal timestamps come in partition, then offset, order")
    func ordering() throws {
        var messages: [Message] = []
        for offset in Int64(0)..<300 {
            for partition in [Int32(2), 0, 1] {
                messages.append(Message(partition: partition, offset: offset, timestamp: 5000 + offset / 10, value: [UInt8(offset % 256)]))
            }
        }
        let writer = try archive(messages, blockBytes: 512)
        let result = try query(writer, 5000..<5010)
        #expect(result.count == 300)
        #expect(result == messages.filter { $0.timestamp < 5010 }.sorted { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) })
        #expect(try query(writer, 5000..<5010, partitions: [1]).allSatisfy { $0.partition == 1 })
    }

    @Test("timestamps that go backwards within a partition are still found")
    func outOfOrderTimestamps() throws {
        // A producer-set CreateTime can jump back: one old message among new ones,
        // and a block spanning hours among blocks spanning milliseconds.
        var messages: [Message] = []
        for offset in Int64(0)..<2000 {
            let timestamp: Int64 = offset == 1500 ? 1_000 : 10_000_000 + offset
            messages.append(Message(offset: offset, timestamp: timestamp, value: Array(repeating: 0x61, count: 50)))
        }
        let writer = try archive(messages, blockBytes: 1024)
        #expect(try query(writer, 0..<2000).map(\.offset) == [1500])
        #expect(try query(writer, 10_001_000..<10_001_010).map(\.offset) == Array(1000..<1010))
        #expect(try query(writer, 10_001_499..<10_001_502).map(\.offset) == [1499, 1501])
    }

    @Test("a range across midnight UTC reads both days")
    func acrossDays() throws {
        let midnight: Int64 = 1_764_028_800_000 // 2025-11-25T00:00:00Z
        let messages = (Int64(0)..<100).map { Message(offset: $0, timestamp: midnight - 50_000 + $0 * 1000, value: [1]) }
        let writer = try archive(messages, blockBytes: 256)
        #expect(try query(writer, midnight - 10_000..<midnight + 10_000).map(\.offset) == Array(40..<60))
    }
}
