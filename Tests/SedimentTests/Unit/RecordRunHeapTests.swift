import Testing
@testable import Sediment

@Suite("RecordRunHeap")
struct RecordRunHeapTests {
    static func message(_ partition: Int32, _ offset: Int64, at timestamp: Int64) -> Message {
        Message(partition: partition, offset: offset, timestamp: timestamp, value: Array("p\(partition)o\(offset)".utf8))
    }

    static func drain(_ heap: inout RecordRunHeap) throws -> [Message] {
        var messages: [Message] = []
        while let record = heap.popHead() { messages.append(try record.message()) }
        return messages
    }

    @Test("popping drains every run once, in (timestamp, partition, offset) order")
    func mergesRuns() throws {
        var generator = SplitMix64(seed: 11)
        var runs: [[Message]] = []
        for partition in Int32(0)..<6 {
            // Timestamps go back and forth within a partition, as producers' clocks do.
            let messages = (Int64(0)..<200).map { offset in
                Self.message(partition, offset, at: windowBase + Int64(generator.next() % 5_000))
            }
            // Each partition cut into runs of uneven length, each run sorted as a block is.
            var start = 0
            while start < messages.count {
                let end = min(messages.count, start + 1 + Int(generator.next() % 70))
                runs.append(byTime(Array(messages[start..<end])))
                start = end
            }
        }
        var heap = RecordRunHeap()
        for run in runs.shuffled(using: &generator) { heap.insert(RecordRun(messages: run)) }
        let merged = try Self.drain(&heap)
        expectSame(merged, byTime(runs.flatMap { $0 }))
        #expect(Set(merged.map { "\($0.partition)/\($0.offset)" }).count == 1200)
        #expect(heap.isEmpty && heap.popHead() == nil)
    }

    @Test("equal timestamps are ordered by partition, then by offset, across runs")
    func ties() throws {
        var heap = RecordRunHeap()
        heap.insert(RecordRun(messages: [Self.message(2, 0, at: 5), Self.message(2, 1, at: 5)]))
        heap.insert(RecordRun(messages: [Self.message(1, 7, at: 5), Self.message(1, 9, at: 5)]))
        heap.insert(RecordRun(messages: [Self.message(1, 8, at: 5)]))
        heap.insert(RecordRun(messages: [Self.message(3, 0, at: 4)]))
        let order = try Self.drain(&heap).map { "\($0.partition)/\($0.offset)" }
        #expect(order == ["3/0", "1/7", "1/8", "1/9", "2/0", "2/1"])
    }

    @Test("an empty run adds nothing, and an empty heap has no head and pops nil")
    func emptyRuns() {
        var heap = RecordRunHeap()
        heap.insert(RecordRun(messages: []))
        #expect(heap.isEmpty)
        #expect(heap.popHead() == nil)
        heap.insert(RecordRun(messages: [Self.message(0, 0, at: 1)]))
        heap.insert(RecordRun(messages: []))
        #expect(heap.popHead()?.position.offset == 0)
        #expect(heap.isEmpty)
    }

    @Test("headPrecedes compares the head with a bound strictly, and is false on an empty heap")
    func headPrecedes() {
        var heap = RecordRunHeap()
        let bound = RunBound(timestamp: 10, partition: 1, offset: 5)
        #expect(!heap.headPrecedes(bound))
        heap.insert(RecordRun(messages: [Self.message(1, 5, at: 10)]))
        #expect(!heap.headPrecedes(bound), "a head equal to the bound does not precede it")
        #expect(heap.headPrecedes(RunBound(timestamp: 10, partition: 1, offset: 6)))
        #expect(heap.headPrecedes(RunBound(timestamp: 10, partition: 2, offset: 0)))
        #expect(!heap.headPrecedes(RunBound(timestamp: 9, partition: 9, offset: 99)))
        heap.insert(RecordRun(messages: [Self.message(0, 0, at: 9)]))
        #expect(heap.headPrecedes(bound))
        #expect(heap.popHead()?.position.timestamp == 9)
    }

    @Test("a message keeps every field through the heap, not only its sort key")
    func keepsMessages() throws {
        var factory = MessageFactory(seed: 3)
        let run = (Int64(0)..<50).map { factory.message(partition: 4, offset: $0, timestamp: windowBase + $0) }
        var heap = RecordRunHeap()
        heap.insert(RecordRun(messages: run))
        expectSame(try Self.drain(&heap), run)
    }

    @Test("the order is by timestamp first: a later timestamp on a lower partition and offset comes after")
    func precedes() {
        #expect(RunBound(Self.message(9, 99, at: 1)) < RunBound(Self.message(0, 0, at: 2)))
        #expect(!(RunBound(Self.message(0, 0, at: 2)) < RunBound(Self.message(9, 99, at: 1))))
        #expect(!(RunBound(Self.message(1, 1, at: 1)) < RunBound(Self.message(1, 1, at: 1))))
    }
}
