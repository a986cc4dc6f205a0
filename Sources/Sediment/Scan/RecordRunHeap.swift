/// A min-heap of sorted runs of records, keyed by each run's head in
/// (timestamp, partition, offset) order: a k-way merge of blocks.
///
/// The heap orders plain keys and slot numbers; the runs stay where they were put. Moving
/// runs themselves retained and released their storage on every swap, which was a tenth
/// of a `jsonl` answer's time.
struct RecordRunHeap {
    private struct Run {
        let storage: RecordStorage
        let entries: [RecordEntry]
        var position = 0
    }

    private struct Head {
        var key: RunBound
        var slot: Int
    }

    private var runs: [Run?] = []
    private var freeSlots: [Int] = []
    private var heap: [Head] = []

    var isEmpty: Bool { heap.isEmpty }

    /// Whether the head sorts before `bound`; false when the heap is empty.
    func headPrecedes(_ bound: RunBound) -> Bool {
        guard let key = heap.first?.key else { return false }
        return key < bound
    }

    mutating func insert(_ run: RecordRun) {
        guard let first = run.entries.first else { return }
        let stored = Run(storage: run.storage, entries: run.entries)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            runs[slot] = stored
        } else {
            slot = runs.count
            runs.append(stored)
        }
        heap.append(Head(key: first.position, slot: slot))
        siftUp(heap.count - 1)
    }

    mutating func popHead() -> Record? {
        guard let head = heap.first else { return nil }
        let slot = head.slot
        let position = runs[slot]!.position
        let entries = runs[slot]!.entries
        let record = Record(storage: runs[slot]!.storage, entry: entries[position])
        if position + 1 < entries.count {
            runs[slot]!.position = position + 1
            heap[0].key = entries[position + 1].position
        } else {
            runs[slot] = nil
            freeSlots.append(slot)
            heap[0] = heap[heap.count - 1]
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
