import Testing
@testable import Sediment

@Suite("MessageRunHeap")
struct MessageRunHeapTests {
    static func message(_ partition: Int32, _ offset: Int64, at timestamp: Int64) -> Message {
        Message(partition: partition, offset: offset, timestamp: timestamp, value: Array("p\(partition)o\(offset)".utf8))
    }

    static func drain(_ heap: inout MessageRunHeap) -> [Message] {
        var messages: [Message] = []
        while let message = heap.popHead() { messages.append(message) }
        return messages
    }

    @Test("popping drains every run once, in (timestamp, partition, offset) order")
    func mergesRuns() {
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
        var heap = MessageRunHeap()
        for run in runs.shuffled(using: &generator) { heap.insert(run) }
        let merged = Self.drain(&heap)
        expectSame(merged, byTime(runs.flatMap { $0 }))
        #expect(Set(merged.map { "\($0.partition)/\($0.offset)" }).count == 1200)
        #expect(heap.isEmpty && heap.head == nil)
    }

    @Test("equal timestamps are ordered by partition, then by offset, across runs")
    func ties() {
        var heap = MessageRunHeap()
        heap.insert([Self.message(2, 0, at: 5), Self.message(2, 1, at: 5)])
        heap.insert([Self.message(1, 7, at: 5), Self.message(1, 9, at: 5)])
        heap.insert([Self.message(1, 8, at: 5)])
        heap.insert([Self.message(3, 0, at: 4)])
        let order = Self.drain(&heap).map { "\($0.partition)/\($0.offset)" }
        #expect(order == ["3/0", "1/7", "1/8", "1/9", "2/0", "2/1"])
    }

    @Test("an empty run adds nothing, and an empty heap has no head and pops nil")
    func emptyRuns() {
        var heap = MessageRunHeap()
        heap.insert([])
        #expect(heap.isEmpty)
        #expect(heap.head == nil)
        #expect(heap.popHead() == nil)
        heap.insert([Self.message(0, 0, at: 1)])
        heap.insert([])
        #expect(heap.head?.offset == 0)
        #expect(heap.popHead()?.offset == 0)
        #expect(heap.isEmpty)
    }

    @Test("headPrecedes compares the head with a bound strictly, and is false on an empty heap")
    func headPrecedes() {
        var heap = MessageRunHeap()
        let bound = RunBound(timestamp: 10, partition: 1, offset: 5)
        #expect(!heap.headPrecedes(bound))
        heap.insert([Self.message(1, 5, at: 10)])
        #expect(!heap.headPrecedes(bound), "a head equal to the bound does not precede it")
        #expect(heap.headPrecedes(RunBound(timestamp: 10, partition: 1, offset: 6)))
        #expect(heap.headPrecedes(RunBound(timestamp: 10, partition: 2, offset: 0)))
        #expect(!heap.headPrecedes(RunBound(timestamp: 9, partition: 9, offset: 99)))
        heap.insert([Self.message(0, 0, at: 9)])
        #expect(heap.headPrecedes(bound))
        #expect(heap.head?.timestamp == 9)
    }

    @Test("a message keeps every field through the heap, not only its sort key")
    func keepsMessages() {
        var factory = MessageFactory(seed: 3)
        let run = (Int64(0)..<50).map { factory.message(partition: 4, offset: $0, timestamp: windowBase + $0) }
        var heap = MessageRunHeap()
        heap.insert(run)
        expectSame(Self.drain(&heap), run)
    }

    @Test("precedes orders by timestamp first: a later timestamp on a lower partition and offset comes after")
    func precedes() {
        #expect(MessageRunHeap.precedes(Self.message(9, 99, at: 1), Self.message(0, 0, at: 2)))
        #expect(!MessageRunHeap.precedes(Self.message(0, 0, at: 2), Self.message(9, 99, at: 1)))
        #expect(!MessageRunHeap.precedes(Self.message(1, 1, at: 1), Self.message(1, 1, at: 1)))
    }
}
