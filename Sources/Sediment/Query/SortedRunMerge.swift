/// Where sorted runs of messages come from, in order of each run's lowest timestamp:
/// blocks of segment files, or gzip members of window files.
protocol SortedRunSource {
    /// The lowest timestamp the next run may hold, or nil when there is none left.
    mutating func peekLowestTimestamp() throws -> Int64?
    /// Reads the next run: the messages it keeps, in (timestamp, partition, offset) order.
    mutating func nextRun() throws -> [Message]
}

/// Merges runs from several sources into one stream ordered by (timestamp, partition,
/// offset). A message is released once no unread run can start before it, so memory
/// holds only the runs whose time ranges overlap the current point.
struct SortedRunMerge {
    private var sources: [any SortedRunSource]
    private var runs = MessageRunHeap()

    init(sources: [any SortedRunSource]) { self.sources = sources }

    mutating func next() throws -> Message? {
        while true {
            var upcoming: (source: Int, timestamp: Int64)?
            for index in sources.indices {
                if let timestamp = try sources[index].peekLowestTimestamp(), upcoming == nil || timestamp < upcoming!.timestamp {
                    upcoming = (index, timestamp)
                }
            }
            if let head = runs.head, upcoming == nil || head.timestamp < upcoming!.timestamp {
                return runs.popHead()
            }
            guard let upcoming else { return nil }
            var run = try sources[upcoming.source].nextRun()
            if !run.isSortedForMerge { run.sort(by: MessageRunHeap.precedes) }
            runs.insert(run)
        }
    }
}

extension Array where Element == Message {
    var isSortedForMerge: Bool {
        zip(self, dropFirst()).allSatisfy { !MessageRunHeap.precedes($1, $0) }
    }
}
