/// Puts one topic's messages in (partition, offset) order, exactly and in bounded memory,
/// whatever their timestamps: a time-range query returns them by time, and a producer's
/// CreateTime can go backwards within a partition, so no bounded window of the time order
/// is sure to hold a partition's next offset.
///
/// Up to `memory` bytes of messages are sorted in memory. Past that, each full buffer is
/// sorted and spilled to an unnamed temporary file (`SpilledRun`), and reading merges the
/// runs. At most `maxRuns` runs stay open: the next spill first merges them into one run,
/// which bounds open files and read buffers (`maxRuns` × `SpilledRun.chunkSize`) at the
/// cost of writing those messages once more. Disk use is about the size of the messages.
final class OffsetOrderSort {
    private let memory: Int
    private let directory: String
    private let maxRuns: Int
    private var buffer: [Message] = []
    private var bufferedBytes = 0
    private var runs: [SpilledRun] = []
    private var reading: Reading?

    private enum Reading {
        case memory(position: Int)
        case merge(RunMerge)
    }

    init(memory: Int, directory: String, maxRuns: Int = 64) {
        self.memory = max(1, memory)
        self.directory = directory
        self.maxRuns = max(2, maxRuns)
    }

    /// How many temporary files the sort wrote so far (merges included).
    private(set) var runsWritten = 0

    func add(_ message: Message) throws {
        precondition(reading == nil, "add after next")
        buffer.append(message)
        // The message's bytes as stored, and about what Swift's arrays around them take.
        bufferedBytes += RecordFormat.bodySize(key: message.key?.count, headers: message.headers, value: message.value?.count) + 96
        if bufferedBytes >= memory { try spill() }
    }

    /// The next message in (partition, offset) order; the first call ends the adding.
    func next() throws -> Message? {
        if reading == nil { try startReading() }
        switch reading! {
        case .memory(let position):
            guard position < buffer.count else { return nil }
            reading = .memory(position: position + 1)
            return buffer[position]
        case .merge(var merge):
            reading = nil
            defer { reading = .merge(merge) }
            return try merge.next()
        }
    }

    private func startReading() throws {
        if runs.isEmpty {
            buffer.sort(by: Self.precedes)
            reading = .memory(position: 0)
            return
        }
        if !buffer.isEmpty { try spill() }
        reading = .merge(try RunMerge(runs: runs))
        runs = []
    }

    private func spill() throws {
        if runs.count >= maxRuns {
            var merge = try RunMerge(runs: runs)
            let merged = try SpilledRun(directory: directory)
            runsWritten += 1
            while let message = try merge.next() { try merged.append(message) }
            try merged.finishWriting()
            runs = [merged]
        }
        buffer.sort(by: Self.precedes)
        let run = try SpilledRun(directory: directory)
        runsWritten += 1
        for message in buffer { try run.append(message) }
        try run.finishWriting()
        runs.append(run)
        buffer.removeAll(keepingCapacity: true)
        bufferedBytes = 0
    }

    static func precedes(_ a: Message, _ b: Message) -> Bool {
        (a.partition, a.offset) < (b.partition, b.offset)
    }

    /// Sorted runs merged through a binary heap of their heads.
    struct RunMerge {
        private let runs: [SpilledRun]
        private var heap: [(message: Message, run: Int)] = []

        init(runs: [SpilledRun]) throws {
            self.runs = runs
            for (index, run) in runs.enumerated() {
                if let message = try run.next() { push((message, index)) }
            }
        }

        mutating func next() throws -> Message? {
            guard let head = heap.first else { return nil }
            if let following = try runs[head.run].next() {
                heap[0] = (following, head.run)
                siftDown(0)
            } else {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
                if !heap.isEmpty { siftDown(0) }
            }
            return head.message
        }

        private mutating func push(_ entry: (message: Message, run: Int)) {
            heap.append(entry)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard OffsetOrderSort.precedes(heap[child].message, heap[parent].message) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        private mutating func siftDown(_ start: Int) {
            var parent = start
            while true {
                var lowest = parent
                let left = 2 * parent + 1
                if left < heap.count, OffsetOrderSort.precedes(heap[left].message, heap[lowest].message) { lowest = left }
                if left + 1 < heap.count, OffsetOrderSort.precedes(heap[left + 1].message, heap[lowest].message) { lowest = left + 1 }
                if lowest == parent { return }
                heap.swapAt(parent, lowest)
                parent = lowest
            }
        }
    }
}
