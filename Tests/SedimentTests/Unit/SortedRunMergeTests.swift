import Testing
@testable import Sediment

/// A source over runs held in memory. Runs must come in order of their lowest message,
/// as blocks and members do.
struct ArrayRunSource: SortedRunSource {
    /// How many runs the merge has read: a class, because the merge holds its own copy
    /// of the source.
    final class ReadCount { var value = 0 }

    let runs: [[Message]]
    let read = ReadCount()

    init(_ runs: [[Message]]) { self.runs = runs }

    func peekBound() throws -> RunBound? {
        guard read.value < runs.count else { return nil }
        // The bound is the lowest message, whatever order the run itself is in.
        return runs[read.value].map(RunBound.init).min()
    }

    func nextRun() throws -> RecordRun {
        defer { read.value += 1 }
        return RecordRun(messages: runs[read.value])
    }
}

/// A source whose reads fail, as a segment with a bad CRC does.
struct FailingRunSource: SortedRunSource {
    struct Failure: Error {}
    func peekBound() throws -> RunBound? { RunBound(timestamp: 0, partition: 0, offset: 0) }
    func nextRun() throws -> RecordRun { throw Failure() }
}

@Suite("SortedRunMerge")
struct SortedRunMergeTests {
    static func message(_ partition: Int32, _ offset: Int64, at timestamp: Int64) -> Message {
        Message(partition: partition, offset: offset, timestamp: timestamp, value: Array("p\(partition)o\(offset)".utf8))
    }

    static func drain(_ merge: inout SortedRunMerge) throws -> [Message] {
        var messages: [Message] = []
        while let record = try merge.next() { messages.append(try record.message()) }
        return messages
    }

    /// Messages cut into runs the way a source holds them: each run sorted, runs in
    /// order of their lowest message.
    static func runs(of messages: [Message], generator: inout SplitMix64) -> [[Message]] {
        var runs: [[Message]] = []
        var start = 0
        while start < messages.count {
            let end = min(messages.count, start + 1 + Int(generator.next() % 40))
            runs.append(byTime(Array(messages[start..<end])))
            start = end
        }
        return runs.sorted { RunBound($0[0]) < RunBound($1[0]) }
    }

    @Test("runs from several sources come out once each, in (timestamp, partition, offset) order", arguments: [1, 2, 5] as [UInt64])
    func mergesSources(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        var all: [Message] = []
        var sources: [any SortedRunSource] = []
        for partition in Int32(0)..<5 {
            // Timestamps repeat a lot: ties across partitions and sources are the point.
            let messages = (Int64(0)..<300).map { Self.message(partition, $0, at: windowBase + Int64(generator.next() % 50)) }
            all += messages
            sources.append(ArrayRunSource(Self.runs(of: messages, generator: &generator)))
        }
        var merge = SortedRunMerge(sources: sources)
        let merged = try Self.drain(&merge)
        expectSame(merged, byTime(all))
        #expect(try merge.next() == nil, "the merge stays finished")
    }

    @Test("no sources, or sources with no runs, give nothing")
    func nothing() throws {
        var none = SortedRunMerge(sources: [])
        #expect(try none.next() == nil)
        var empty = SortedRunMerge(sources: [ArrayRunSource([]), ArrayRunSource([])])
        #expect(try empty.next() == nil)
    }

    @Test("an empty run read from a source is skipped and the merge goes on")
    func emptyRun() throws {
        // An empty run has no bound of its own; give it its neighbour's, as a block whose
        // messages a filter dropped all of would.
        struct EmptyThenFull: SortedRunSource {
            var step = 0
            mutating func peekBound() throws -> RunBound? {
                step < 2 ? RunBound(timestamp: 1, partition: 0, offset: 0) : nil
            }
            mutating func nextRun() throws -> RecordRun {
                defer { step += 1 }
                return RecordRun(messages: step == 0 ? [] : [SortedRunMergeTests.message(0, 0, at: 1), SortedRunMergeTests.message(0, 1, at: 2)])
            }
        }
        var merge = SortedRunMerge(sources: [
            EmptyThenFull(), ArrayRunSource([[Self.message(1, 0, at: 1)]]),
        ])
        let order = try Self.drain(&merge).map { "\($0.partition)/\($0.offset)" }
        #expect(order == ["0/0", "1/0", "0/1"])
    }

    @Test("a run read out of order is sorted before it is merged")
    func unsortedRun() throws {
        let run = [Self.message(0, 2, at: 30), Self.message(0, 0, at: 10), Self.message(0, 1, at: 20)]
        var merge = SortedRunMerge(sources: [ArrayRunSource([run]), ArrayRunSource([[Self.message(1, 0, at: 15)]])])
        #expect(try Self.drain(&merge).map(\.timestamp) == [10, 15, 20, 30])
    }

    @Test("a message is released as soon as it precedes every unread run: later runs are not read yet")
    func readsLazily() throws {
        let first = ArrayRunSource([[Self.message(0, 0, at: 1), Self.message(0, 1, at: 2)], [Self.message(0, 2, at: 50)]])
        let second = ArrayRunSource([[Self.message(1, 0, at: 40)], [Self.message(1, 1, at: 60)]])
        var merge = SortedRunMerge(sources: [first, second])
        #expect(try merge.next()?.position.timestamp == 1)
        #expect(try merge.next()?.position.timestamp == 2)
        #expect((first.read.value, second.read.value) == (1, 0))
        #expect(try merge.next()?.position.timestamp == 40)
        #expect((first.read.value, second.read.value) == (1, 1))
        #expect(try merge.next()?.position.timestamp == 50)
        #expect(try merge.next()?.position.timestamp == 60)
        #expect((first.read.value, second.read.value) == (2, 2))
        #expect(try merge.next() == nil)
    }

    @Test("a source's error comes out of next()")
    func failure() {
        var merge = SortedRunMerge(sources: [ArrayRunSource([[Self.message(0, 0, at: 5)]]), FailingRunSource()])
        #expect(throws: FailingRunSource.Failure.self) { try merge.next() }
    }

    @Test("sortIfNeeded keeps a sorted run as it is, equal keys included, and sorts one that steps backwards")
    func sortedCheck() throws {
        func order(_ messages: [Message]) throws -> [String] {
            var run = RecordRun(messages: messages)
            run.sortIfNeeded()
            return try run.entries.indices.map { String(decoding: try run.record(at: $0).message().value!, as: UTF8.self) }
        }
        func message(_ partition: Int32, _ offset: Int64, at timestamp: Int64, _ label: String) -> Message {
            Message(partition: partition, offset: offset, timestamp: timestamp, value: Array(label.utf8))
        }
        #expect(try order([]) == [])
        #expect(try order([message(0, 0, at: 1, "a"), message(0, 0, at: 1, "b")]) == ["a", "b"])
        #expect(try order([message(0, 1, at: 1, "a"), message(1, 0, at: 1, "b")]) == ["a", "b"])
        #expect(try order([message(1, 0, at: 1, "a"), message(0, 1, at: 1, "b")]) == ["b", "a"])
        #expect(try order([message(0, 0, at: 2, "a"), message(0, 1, at: 1, "b")]) == ["b", "a"])
    }
}
