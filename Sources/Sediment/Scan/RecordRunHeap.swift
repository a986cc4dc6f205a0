/// A min-heap of sorted runs of records, keyed by each run's head in
/// (timestamp, partition, offset) order: a k-way merge of blocks.
struct RecordRunHeap {
    private struct Run {
        let run: RecordRun
        var position = 0
        /// The head's sort key, kept beside it: the comparisons touch no entry array.
        var key: RunBound

        init(_ run: RecordRun) {
            self.run = run
            self.key = run.entries[0].position
        }

        var isDone: Bool { position == run.entries.count }

        mutating func advance() {
            position += 1
            if position < run.entries.count { key = run.entries[position].position }
        }
    }

    private var heap: [Run] = []

    var isEmpty: Bool { heap.isEmpty }

    /// Whether the head sorts before `bound`; false when the heap is empty.
    func headPrecedes(_ bound: RunBound) -> Bool {
        guard let key = heap.first?.key else { return false }
        return key < bound
    }

    mutating func insert(_ run: RecordRun) {
        guard !run.isEmpty else { return }
        heap.append(Run(run))
        siftUp(heap.count - 1)
    }

    mutating func popHead() -> Record? {
        guard !heap.isEmpty else { return nil }
        let record = Record(run: heap[0].run, index: heap[0].position)
        heap[0].advance()
        if heap[0].isDone {
            heap.swapAt(0, heap.count - 1)
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
        return record
    }

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
