import Foundation
import SedimentObjectStore
import Testing
@testable import Sediment

/// Queries over several topics, in time and offset order, on real archives: each result
/// equals the selection and the order the test computes from the messages it wrote.
@Suite("Query cursors")
struct QueryCursorTests {
    let scratch = TemporaryDirectory(label: "query-cursor")

    /// Messages with many equal timestamps across topics and partitions, and (when
    /// `goingBack`) CreateTimes that go back within a partition.
    static func messages(seed: UInt64, count: Int, partitions: Int32 = 3, goingBack: Bool = true) -> [Message] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let backwards = goingBack && random.next() % 4 == 0 ? Int64(random.next() % 3_000) : 0
            return Message(
                partition: Int32(i) % partitions, offset: Int64(i) / Int64(partitions), timestamp: windowBase + Int64(i / 4) * 10 - backwards,
                key: Array("k\(i % 5)".utf8), value: Array("message \(i) \(seed)".utf8))
        }
    }

    typealias Selected = (topic: String, message: Message)

    static func inTimeOrder(_ items: [Selected]) -> [Selected] {
        items.sorted {
            ($0.message.timestamp, $0.topic, $0.message.partition, $0.message.offset)
                < ($1.message.timestamp, $1.topic, $1.message.partition, $1.message.offset)
        }
    }

    static func inOffsetOrder(_ items: [Selected]) -> [Selected] {
        items.sorted { ($0.topic, $0.message.partition, $0.message.offset) < ($1.topic, $1.message.partition, $1.message.offset) }
    }

    static func expectSameItems(_ got: [TopicMessage], _ expected: [Selected], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.map(\.topic.topic) == expected.map(\.topic), "topics in order", sourceLocation: sourceLocation)
        expectSame(got.map(\.message), expected.map(\.message), sourceLocation: sourceLocation)
    }

    /// Topics b, a and c in one archive (c from another instance), written in that order.
    func threeTopics() throws -> (archive: Archive, written: [Selected]) {
        let writer = try ArchiveWriter(at: scratch.file("archive"), options: SegmentStoreTests.options(blockBytes: 1024))
        var written: [Selected] = []
        for (seed, topic, instance) in [(UInt64(1), "b", "local"), (2, "a", "local"), (3, "c", "other")] {
            let messages = Self.messages(seed: seed, count: 1500)
            _ = try writer.append(messages, instance: instance, topic: topic)
            written += messages.map { (topic, $0) }
        }
        return (writer.archive, written)
    }

    static let topics = [
        ArchivedTopic(instance: "local", topic: "b"), ArchivedTopic(instance: "other", topic: "c"), ArchivedTopic(instance: "local", topic: "a"),
    ]

    @Test("several topics merge by timestamp, then topic name, then partition, then offset")
    func severalTopicsByTime() throws {
        let (archive, written) = try threeTopics()
        let all = try archive.messages(MessageQuery(topics: Self.topics, range: Int64.min..<Int64.max)).all()
        Self.expectSameItems(all, Self.inTimeOrder(written))
        #expect(Set(all.filter { $0.topic.topic == "c" }.map(\.topic.instance)) == ["other"])

        let range = windowBase + 1_000..<windowBase + 2_500
        var query = MessageQuery(topics: Self.topics, range: range, partitions: [0, 2], filter: MessageFilter(keys: [Array("k3".utf8)]))
        let expected = Self.inTimeOrder(written.filter {
            range.contains($0.message.timestamp) && $0.message.partition != 1 && $0.message.key == Array("k3".utf8)
        })
        #expect(expected.count > 20 && Set(expected.map(\.topic)).count == 3)
        Self.expectSameItems(try archive.messages(query).all(), expected)
        #expect(try archive.count(query).count == expected.count)
        // A topic named twice is read once.
        query.topics += Self.topics
        Self.expectSameItems(try archive.messages(query).all(), expected)
    }

    @Test("offset order: topic by name, partition by partition, in offset order whatever the timestamps, in memory or through spilled runs", arguments: [64 << 20, 4 << 10])
    func offsetOrder(sortMemory: Int) throws {
        let (archive, written) = try threeTopics()
        let range = windowBase + 500..<windowBase + 3_000
        var query = MessageQuery(topics: Self.topics, range: range, order: .offset)
        query.sortMemory = sortMemory
        query.sortDirectory = scratch.path
        let expected = Self.inOffsetOrder(written.filter { range.contains($0.message.timestamp) })
        #expect(expected.map(\.message) != Self.inTimeOrder(expected).map(\.message), "the timestamps go back within partitions")
        Self.expectSameItems(try archive.messages(query).all(), expected)

        query.filter = MessageFilter(keyPrefixes: [Array("k1".utf8)])
        query.partitions = [1]
        Self.expectSameItems(
            try archive.messages(query).all(),
            expected.filter { $0.message.partition == 1 && $0.message.key == Array("k1".utf8) })
        #expect((try? FileManager.default.contentsOfDirectory(atPath: scratch.path))?.filter { $0.hasPrefix(".sediment-sort") } == [])
    }

    @Test("offset order across window files, late parts and segments")
    func offsetOrderAcrossTiers() throws {
        let fixture = CompactionFixture(label: "query-offset-tiers")
        let early = Self.messages(seed: 4, count: 6000)
        try fixture.append(early)
        try fixture.compact(granularity(5), closeAll: true)
        // Late messages of the same windows, at the next offsets: a new part, then segments.
        let late = (0..<900).map { (i: Int) -> Message in
            let offset = 2000 + Int64(i / 3)
            let timestamp = windowBase + Int64(i) * 17
            return Message(partition: Int32(i % 3), offset: offset, timestamp: timestamp, key: Array("late".utf8), value: Array("late \(i)".utf8))
        }
        try fixture.append(Array(late.prefix(600)))
        try fixture.compact(granularity(5), closeAll: true)
        try fixture.append(Array(late.suffix(300)))
        #expect(try fixture.files().contains { $0.part == 2 }, "a late part")
        let written = (early + late).map { (topic: "orders", message: $0) }
        let archive = try Archive.open(at: fixture.path)
        let topics = [ArchivedTopic(instance: "local", topic: "orders")]
        for range in [Int64.min..<Int64.max, windowBase + 4_000..<windowBase + 9_000] {
            var query = MessageQuery(topics: topics, range: range, order: .offset)
            query.sortMemory = 16 << 10
            query.sortDirectory = scratch.path
            let selected = written.filter { range.contains($0.message.timestamp) }
            Self.expectSameItems(try archive.messages(query).all(), Self.inOffsetOrder(selected))
            query.order = .time
            Self.expectSameItems(try archive.messages(query).all(), Self.inTimeOrder(selected))
        }
    }

    @Test("a count with a filter reads the bucket members a count without one takes from their counts")
    func filteredCountReadsBucketMembers() throws {
        let source = CompactionFixture(label: "query-count-source")
        // Timestamps in offset order: windows whose offsets no other window shares, so
        // that their members may count unread.
        let messages = Self.messages(seed: 5, count: 3000, goingBack: false)
        try source.append(messages)
        try source.compact(granularity(5), closeAll: true)
        let bucket = scratch.file("bucket")
        _ = try CLIProcess.succeed(["upload", "--archive", source.path, "--target", "file://" + bucket], scratch: scratch)
        let empty = try ArchiveWriter(at: scratch.file("empty")).archive
        let session = BucketSession(target: .init(uri: "file://" + bucket, template: try KeyTemplate(KeyTemplate.defaultTemplate))) { _ in
            try FileObjectStore(directory: bucket)
        }
        defer { try? session.shutdownWaiting() }
        let topics = [ArchivedTopic(instance: "local", topic: "orders")]

        let unfiltered = try empty.count(MessageQuery(topics: topics, range: Int64.min..<Int64.max), bucket: session)
        #expect(unfiltered.count == messages.count && unfiltered.statistics.membersCounted > 0, "\(unfiltered)")

        let filter = MessageFilter(keys: [Array("k2".utf8)])
        let filtered = try empty.count(MessageQuery(topics: topics, range: Int64.min..<Int64.max, filter: filter), bucket: session)
        let expected = messages.filter { $0.key == Array("k2".utf8) }.count
        #expect(filtered.count == expected && expected > 0 && expected < messages.count, "\(filtered.count) of \(expected)")
        #expect(filtered.statistics.membersCounted == 0 && filtered.statistics.membersRead > 0, "\(filtered.statistics)")
    }
}
