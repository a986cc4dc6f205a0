/// A min-heap of sorted runs of messages, keyed by each run's head in
/// (timestamp, partition, offset) order: a k-way merge of blocks.
struct MessageRunHeap {
    private struct Run {
        var messages: [Message]
        var position = 0
        /// The head's sort key, kept beside it: comparing keys copies no `Message` (and so
        /// retains and releases none of its arrays).
        var key: RunBound

        init(messages: [Message]) {
            self.messages = messages
            self.key = RunBound(messages[0])
        }

        var head: Message { messages[position] }

        mutating func advance() {
            position += 1
            if position < messages.count { key = RunBound(messages[position]) }
        }
    }

    private var heap: [Run] = []

    var head: Message? { heap.first?.head }
    var isEmpty: Bool { heap.isEmpty }

    /// Whether the head sorts before `bound`; false when the heap is empty.
    func headPrecedes(_ bound: RunBound) -> Bool {
        guard let key = heap.first?.key else { return false }
        return key < bound
    }

    mutating func insert(_ messages: [Message]) {
        guard !messages.isEmpty else { return }
        heap.append(Run(messages: messages))
        siftUp(heap.count - 1)
    }

    mutating func popHead() -> Message? {
        guard !heap.isEmpty else { return nil }
        let message = heap[0].head
        heap[0].advance()
        if heap[0].position == heap[0].messages.count {
            heap.swapAt(0, heap.count - 1)
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
        return message
    }

    static func precedes(_ a: Message, _ b: Message) -> Bool { RunBound(a) < RunBound(b) }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].key < heap[parent].key else { return }
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
            if left < heap.count && heap[left].key < heap[smallest].key { smallest = left }
            if right < heap.count && heap[right].key < heap[smallest].key { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
