import Foundation
import Testing
@testable import Sediment

/// Each filter over a real archive returns exactly what the test selects itself, with a
/// predicate written here from the documented semantics rather than by the filter.
@Suite("Message filters")
struct MessageFilterTests {
    let scratch = TemporaryDirectory(label: "filters")

    /// 3 partitions of keys of every kind (null, empty, text, binary) and headers with
    /// repeated names, null and empty values; timestamps go back now and then.
    static func messages(count: Int = 3000, base: Int64 = windowBase) -> [Message] {
        var random = SplitMix64(seed: 21)
        return (0..<count).map { i in
            let key: [UInt8]? = switch i % 6 {
            case 0: nil
            case 1: []
            case 2: Array("user-\(i % 13)".utf8)
            case 3: Array("order-\(i % 29)".utf8)
            case 4: [0xFF, UInt8(i % 5)]
            default: Array("user".utf8)
            }
            var headers: [Header] = []
            switch i % 7 {
            case 0: headers = [Header(name: "tenant", value: Array("acme".utf8))]
            case 1: headers = [Header(name: "tenant", value: Array("globex".utf8)), Header(name: "type", value: Array("a".utf8))]
            case 2: headers = [Header(name: "type", value: Array("a".utf8)), Header(name: "type", value: Array("b".utf8))]
            case 3: headers = [Header(name: "tenant", value: nil), Header(name: "type", value: [])]
            case 4: headers = [Header(name: "type", value: Array("b".utf8)), Header(name: "tenant", value: Array("acme".utf8))]
            default: break
            }
            let jitter = random.next() % 10 == 0 ? -Int64(random.next() % 5_000) : 0
            return Message(
                partition: Int32(i % 3), offset: Int64(i / 3), timestamp: base + Int64(i) * 20 + jitter, key: key, headers: headers,
                value: Array("value \(i)".utf8))
        }
    }

    static func header(_ message: Message, _ name: String, _ value: String?) -> Bool {
        message.headers.contains { $0.name == name && (value == nil || $0.value == Array(value!.utf8)) }
    }

    static func key(_ message: Message, is text: String) -> Bool { message.key == Array(text.utf8) }

    static func key(_ message: Message, startsWith text: String) -> Bool {
        guard let key = message.key, key.count >= text.utf8.count else { return false }
        return Array(key.prefix(text.utf8.count)) == Array(text.utf8)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var filter: MessageFilter
        var selects: @Sendable (Message) -> Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one key", filter: MessageFilter(keys: [Array("user-3".utf8)])) { key($0, is: "user-3") },
        Case(name: "two keys", filter: MessageFilter(keys: [Array("user-3".utf8), Array("order-5".utf8)])) {
            key($0, is: "user-3") || key($0, is: "order-5")
        },
        Case(name: "a key prefix", filter: MessageFilter(keyPrefixes: [Array("user-".utf8)])) { key($0, startsWith: "user-") },
        Case(name: "a key or a prefix", filter: MessageFilter(keys: [Array("order-1".utf8)], keyPrefixes: [Array("user-1".utf8)])) {
            key($0, is: "order-1") || key($0, startsWith: "user-1")
        },
        Case(name: "the empty prefix: every non-null key", filter: MessageFilter(keyPrefixes: [[]])) { $0.key != nil },
        Case(name: "the empty key, not the null one", filter: MessageFilter(keys: [[]])) { $0.key == [] },
        Case(name: "a binary key", filter: MessageFilter(keys: [[0xFF, 3]])) { $0.key == [0xFF, 3] },
        Case(name: "a header by name, null values included", filter: MessageFilter(headers: [.init(name: "tenant", value: nil)])) {
            header($0, "tenant", nil)
        },
        Case(name: "a header value", filter: MessageFilter(headers: [.init(name: "tenant", value: Array("acme".utf8))])) {
            header($0, "tenant", "acme")
        },
        Case(
            name: "two values of one header: either",
            filter: MessageFilter(headers: [.init(name: "tenant", value: Array("acme".utf8)), .init(name: "tenant", value: Array("globex".utf8))])
        ) { header($0, "tenant", "acme") || header($0, "tenant", "globex") },
        Case(
            name: "a header by name and by value: any value",
            filter: MessageFilter(headers: [.init(name: "tenant", value: Array("acme".utf8)), .init(name: "tenant", value: nil)])
        ) { header($0, "tenant", nil) },
        Case(
            name: "two headers: both",
            filter: MessageFilter(headers: [.init(name: "type", value: Array("b".utf8)), .init(name: "tenant", value: Array("acme".utf8))])
        ) { header($0, "type", "b") && header($0, "tenant", "acme") },
        Case(name: "an empty header value, not a null one", filter: MessageFilter(headers: [.init(name: "type", value: [])])) {
            $0.headers.contains { $0.name == "type" && $0.value == [] }
        },
        Case(
            name: "a key prefix and a header",
            filter: MessageFilter(keyPrefixes: [Array("user".utf8)], headers: [.init(name: "type", value: Array("a".utf8))])
        ) { key($0, startsWith: "user") && header($0, "type", "a") },
    ]

    @Test("the archive returns what the test selects", arguments: cases)
    func selection(_ filterCase: Case) throws {
        let messages = Self.messages()
        let writer = try ArchiveWriter(at: scratch.path, options: SegmentStoreTests.options(blockBytes: 2048))
        _ = try writer.append(messages, instance: "local", topic: "t")
        let topics = [ArchivedTopic(instance: "local", topic: "t")]
        let expected = byTime(messages.filter(filterCase.selects))
        #expect(!expected.isEmpty && expected.count < messages.count, "the case selects some messages, not all: \(expected.count)")
        let query = MessageQuery(topics: topics, range: Int64.min..<Int64.max, filter: filterCase.filter)
        expectSame(try writer.archive.messages(query).all().map(\.message), expected)
        #expect(try writer.archive.count(query).count == expected.count)

        // With a range and a partition too.
        let range = windowBase + 10_000..<windowBase + 40_000
        let narrowed = MessageQuery(topics: topics, range: range, partitions: [1], filter: filterCase.filter)
        let expectedNarrowed = expected.filter { range.contains($0.timestamp) && $0.partition == 1 }
        expectSame(try writer.archive.messages(narrowed).all().map(\.message), expectedNarrowed)
    }
}
