import Foundation
import Testing
@testable import Sediment

/// `sediment query`'s selection flags, run as the built binary: what it prints equals the
/// lines of the selection the test makes from the messages it wrote.
@Suite("sediment query: topics, filters, order, format strings")
struct QueryCommandTests {
    let scratch = TemporaryDirectory(label: "query-command")

    static func lines(_ items: [(topic: String, message: Message)]) -> Data {
        var lines: [UInt8] = []
        for item in items { item.message.appendJSONLine(topic: item.topic, to: &lines) }
        return Data(lines)
    }

    @Test("--key, --key-prefix and --header print the lines of the test's selection, and --count counts it")
    func filters() throws {
        let messages = MessageFilterTests.messages()
        let archive = scratch.file("archive")
        _ = try ArchiveWriter(at: archive, options: SegmentStoreTests.options(blockBytes: 2048)).append(messages, instance: "local", topic: "t")
        let flags = ["--key", "order-7", "--key-prefix", "user-1", "--header", "tenant=acme", "--header", "tenant=globex", "--header", "type"]
        let selected = byTime(messages.filter {
            (MessageFilterTests.key($0, is: "order-7") || MessageFilterTests.key($0, startsWith: "user-1"))
                && (MessageFilterTests.header($0, "tenant", "acme") || MessageFilterTests.header($0, "tenant", "globex"))
                && MessageFilterTests.header($0, "type", nil)
        })
        #expect(!selected.isEmpty)
        let query = ["query", "--archive", archive, "--topic", "t", "--from", "0"] + flags
        let printed = try CLIProcess.succeed(query, scratch: scratch)
        #expect(printed == Self.lines(selected.map { ("t", $0) }), "\(printed.count) bytes for \(selected.count) messages")
        #expect(try CLIProcess.succeed(query + ["--count"], scratch: scratch) == Data("\(selected.count)\n".utf8))
    }

    @Test("several --topic: each topic's instance found on its own, one merged order; --order offset goes topic by topic, partition by partition")
    func severalTopics() throws {
        let archive = scratch.file("archive")
        let writer = try ArchiveWriter(at: archive, options: SegmentStoreTests.options(blockBytes: 1024))
        let payments = QueryCursorTests.messages(seed: 6, count: 900)
        let orders = QueryCursorTests.messages(seed: 7, count: 900)
        _ = try writer.append(payments, instance: "billing", topic: "payments")
        _ = try writer.append(orders, instance: "shop", topic: "orders")
        let written = payments.map { (topic: "payments", message: $0) } + orders.map { (topic: "orders", message: $0) }
        let range = windowBase + 200..<windowBase + 1_800
        let inRange = written.filter { range.contains($0.message.timestamp) }
        let query = ["query", "--archive", archive, "--topic", "payments", "--topic", "orders", "--from", "\(range.lowerBound)", "--to", "\(range.upperBound)"]

        let byTime = try CLIProcess.succeed(query, scratch: scratch)
        #expect(byTime == Self.lines(QueryCursorTests.inTimeOrder(inRange)), "\(byTime.count) bytes")
        let byOffset = try CLIProcess.succeed(query + ["--order", "offset"], scratch: scratch)
        #expect(byOffset == Self.lines(QueryCursorTests.inOffsetOrder(inRange)), "\(byOffset.count) bytes")
        #expect(byOffset != byTime)
        #expect(try CLIProcess.succeed(query + ["--count"], scratch: scratch) == Data("\(inRange.count)\n".utf8))
        let limited = try CLIProcess.succeed(query + ["--order", "offset", "--limit", "10", "-f", "%t %p %o\\n"], scratch: scratch)
        let firstTen = QueryCursorTests.inOffsetOrder(inRange).prefix(10).map { "\($0.topic) \($0.message.partition) \($0.message.offset)\n" }
        #expect(String(decoding: limited, as: UTF8.self) == firstTen.joined())

        // A topic two instances hold needs --instance, which then applies to every topic.
        _ = try writer.append(Array(orders.prefix(10)), instance: "billing", topic: "orders")
        let ambiguous = try CLIProcess.run(query, scratch: scratch)
        #expect(ambiguous.status == ExitStatus.usage && ambiguous.stderr.contains("choose one with --instance"), "\(ambiguous.summary)")
        let billing = try CLIProcess.succeed(query + ["--instance", "billing", "--count"], scratch: scratch)
        let expected = inRange.filter { $0.topic == "payments" }.count + orders.prefix(10).filter { range.contains($0.timestamp) }.count
        #expect(billing == Data("\(expected)\n".utf8))
    }

    @Test("flags that cannot be used are usage errors naming the flags", arguments: [
        (["--header", "=x"], "a condition of --header has no name: '=x'"),
        (["-f", "%s %Q"], "--format-string '%s %Q' has an unknown token '%Q'"),
        (["--format-string", "100%"], "--format-string '100%' ends with a lone '%'"),
        (["--format", "value", "-f", "%s"], "--format and --format-string both say how to print: give one"),
    ])
    func refusals(_ flags: [String], _ message: String) throws {
        let archive = scratch.file("archive")
        _ = try ArchiveWriter(at: archive).append([Message(offset: 0, timestamp: 1, value: [1])], instance: "local", topic: "t")
        let result = try CLIProcess.run(["query", "--archive", archive, "--topic", "t", "--from", "0"] + flags, scratch: scratch)
        #expect(result.status == ExitStatus.usage && result.stdout.isEmpty && result.stderr.contains(message), "\(result.summary)")
    }
}
