/// A min-heap of sorted runs of messages, keyed by each run's head in
/// (timestamp, partition, offset) order: a k-way merge of blocks.
struct MessageRunHeap {
    private struct Run {
        var messages: [Message]
        var position = 0
        var head: Message { messages[position] }
    }

    private var heap: [Run] = []

    var head: Message? { heap.first?.head }

    mutating func insert(_ messages: [Message]) {
        guard !messages.isEmpty else { return }
        heap.append(Run(messages: messages))
        siftUp(heap.count - 1)
    }

    mutating func popHead() -> Message? {
        guard !heap.isEmpty else { return nil }
        let message = heap[0].head
        heap[0].position += 1
        if heap[0].position == heap[0].messages.count {
            heap.swapAt(0, heap.count - 1)
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
        return message
    }

    static func precedes(_ a: Message, _ b: Message) -> Bool {
        (a.timestamp, a.partition, a.offset) < (b.timestamp, b.partition, b.offset)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child].head, heap[parent].head) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && Self.precedes(heap[left].head, heap[smallest].head) { smallest = left }
            if right < heap.count && Self.precedes(heap[right].head, heap[smallest].head) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
