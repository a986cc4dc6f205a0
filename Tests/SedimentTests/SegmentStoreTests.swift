import Foundation
import Testing
@testable import Sediment

@Suite("Segment store")
struct SegmentStoreTests {
    let directory = TemporaryDirectory(label: "store")

    static func options(blockBytes: Int = 4096, segmentBytes: Int = 64 << 10) -> ArchiveOptions {
        var options = ArchiveOptions()
        options.blockBytes = blockBytes
        options.segmentBytes = segmentBytes
        return options
    }

    /// 3 partitions of `perPartition` messages each, timestamps rising 10 ms per offset.
    static func sample(perPartition: Int, seed: UInt64 = 1) -> [Message] {
        var factory = MessageFactory(seed: seed)
        var messages: [Message] = []
        for offset in 0..<Int64(perPartition) {
            for partition in Int32(0)..<3 {
                messages.append(factory.message(partition: partition, offset: offset, timestamp: 1_700_000_000_000 + offset * 10 + Int64(partition)))
            }
        }
        return messages
    }

    static func byTime(_ messages: [Message]) -> [Message] {
        messages.sorted { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
    }

    @Test("binary values, null and binary keys, headers and both timestamp types read back byte for byte")
    func roundTrip() throws {
        let messages = Self.sample(perPartition: 2000)
        do {
            let writer = try ArchiveWriter(at: directory.path, options: Self.options())
            for chunk in stride(from: 0, to: messages.count, by: 700) {
                _ = try writer.append(Array(messages[chunk..<min(chunk + 700, messages.count)]), instance: "local", topic: "orders")
            }
        }
        let archive = try Archive.open(at: directory.path)
        for partition in Int32(0)..<3 {
            let key = PartitionKey(instance: "local", topic: "orders", partition: partition)
            let stored = try archive.messages(of: key, offsets: 0...Int64.max).all()
            expectSame(stored, messages.filter { $0.partition == partition })
            let middle = try archive.messages(of: key, offsets: 500...1499).all()
            #expect(middle.map(\.offset) == Array(500...1499))
        }
        let everything = try archive.messages(instance: "local", topic: "orders", in: Int64.min..<Int64.max).all()
        expectSame(everything, Self.byTime(messages))
        #expect(Set(messages.map(\.timestampType)) == [.createTime, .logAppendTime])
        #expect(messages.contains { $0.key == nil } && messages.contains { $0.value == nil } && messages.contains { !$0.headers.isEmpty })
    }

    @Test("segments roll at the size limit and are named by their 20-digit base offset")
    func segmentsRoll() throws {
        let messages = Self.sample(perPartition: 3000).filter { $0.partition == 0 }
        let writer = try ArchiveWriter(at: directory.path, options: Self.options(segmentBytes: 32 << 10))
        _ = try writer.append(messages, instance: "local", topic: "orders")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/segments/local/orders/0").sorted()
        #expect(names.count > 3)
        #expect(names.first == "00000000000000000000.seg")
        #expect(names.allSatisfy { $0.count == 24 && $0.hasSuffix(".seg") })
        for name in names {
            let size = try FileManager.default.attributesOfItem(atPath: directory.path + "/segments/local/orders/0/" + name)[.size] as! Int
            #expect(size <= (32 << 10) + 4096)
        }
        let key = PartitionKey(instance: "local", topic: "orders", partition: 0)
        expectSame(try writer.archive.messages(of: key, offsets: 0...Int64.max).all(), messages)
        let stats = try #require(try writer.archive.statistics().first)
        #expect(stats.segments == names.count && stats.messages == 3000 && stats.position == 3000)
    }

    @Test("a message larger than a whole segment is stored in a segment of its own and reads back, by offset, by time and from a window")
    func messageLargerThanASegment() throws {
        var factory = MessageFactory(seed: 5)
        var messages = (Int64(0)..<6).map { factory.message(partition: 0, offset: $0, timestamp: 1_700_000_000_000 + $0 * 1000) }
        // 3 MiB of value where a segment holds 64 KiB.
        messages[3].value = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let writer = try ArchiveWriter(at: directory.path, options: Self.options())
        _ = try writer.append(messages, instance: "local", topic: "orders")
        let key = PartitionKey(instance: "local", topic: "orders", partition: 0)
        #expect(try writer.archive.messages(of: key, offsets: 0...5).all() == messages)
        #expect(try writer.archive.messages(instance: "local", topic: "orders", in: Int64.min..<Int64.max).all() == messages)
        #expect(try writer.archive.statistics().first?.segments ?? 0 >= 2)

        let compactor = try Compactor.open(at: directory.path)
        _ = try compactor.compact(instance: "local", topic: "orders", closeAll: true)
        #expect(try writer.archive.windowFiles().count >= 1)
        #expect(try writer.archive.messages(instance: "local", topic: "orders", in: Int64.min..<Int64.max).all() == messages)
    }

    @Test("feeding the same messages twice stores them once")
    func idempotentAppend() throws {
        let messages = Self.sample(perPartition: 500)
        do {
            let writer = try ArchiveWriter(at: directory.path, options: Self.options())
            let first = try writer.append(messages, instance: "local", topic: "orders")
            let second = try writer.append(messages, instance: "local", topic: "orders")
            #expect(first.count == 1500 && first.skipped == 0)
            #expect(second.count == 0 && second.skipped == 1500)
        }
        let reopened = try ArchiveWriter(at: directory.path, options: Self.options())
        let third = try reopened.append(messages, instance: "local", topic: "orders")
        #expect(third.count == 0 && third.skipped == 1500)
        #expect(try reopened.archive.statistics().map(\.messages) == [500, 500, 500])
    }

    @Test("statistics count messages, bytes, segments and the time span per partition")
    func statistics() throws {
        let messages = Self.sample(perPartition: 100)
        let writer = try ArchiveWriter(at: directory.path, options: Self.options())
        _ = try writer.append(messages, instance: "local", topic: "orders")
        let stats = try writer.archive.statistics()
        #expect(stats.count == 3)
        for (partition, row) in stats.enumerated() {
            let mine = messages.filter { $0.partition == partition }
            #expect(row.messages == 100 && row.position == 100 && row.firstOffset == 0 && row.lastOffset == 99)
            #expect(row.minTimestamp == mine.map(\.timestamp).min() && row.maxTimestamp == mine.map(\.timestamp).max())
            let path = directory.path + "/segments/local/orders/\(partition)/00000000000000000000.seg"
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            #expect(row.bytes == Int64(size))
        }
    }

    @Test("a time-range query as an AsyncSequence streams the same messages")
    func asyncStream() async throws {
        let messages = Self.sample(perPartition: 3000)
        let writer = try ArchiveWriter(at: directory.path, options: Self.options())
        _ = try writer.append(messages, instance: "local", topic: "orders")
        var streamed: [Message] = []
        for try await message in writer.archive.stream(instance: "local", topic: "orders", in: 1_700_000_001_000..<1_700_000_020_000) {
            streamed.append(message)
        }
        let expected = Self.byTime(messages).filter { (1_700_000_001_000..<1_700_000_020_000).contains($0.timestamp) }
        expectSame(streamed, expected)
    }
}
