/// The lowest (timestamp, partition, offset) a run may hold: a message that sorts before
/// it precedes everything in the run.
struct RunBound: Comparable {
    var timestamp: Int64
    var partition: Int32
    var offset: Int64

    static func < (a: Self, b: Self) -> Bool {
        (a.timestamp, a.partition, a.offset) < (b.timestamp, b.partition, b.offset)
    }
}

extension RunBound {
    /// A message's own position in the order: a run's head, as the merge heap keys it.
    init(_ message: Message) {
        self.init(timestamp: message.timestamp, partition: message.partition, offset: message.offset)
    }
}

/// Where sorted runs of messages come from, in order of each run's bound: blocks of
/// segment files, or gzip members of window files.
protocol SortedRunSource {
    /// The bound of the next run, or nil when there is none left. Later runs never have
    /// a lower bound.
    mutating func peekBound() throws -> RunBound?
    /// Reads the next run: the records it keeps (in (timestamp, partition, offset) order,
    /// or put in it by the merge).
    mutating func nextRun() throws -> RecordRun
}

/// Merges runs from several sources into one stream of records ordered by (timestamp, partition,
/// offset). A message is released once it sorts before the bound of every unread run,
/// so memory holds only the runs that overlap the current point, even when millions of
/// messages share one timestamp (a partition's blocks are bounded by their offsets).
struct SortedRunMerge {
    private var sources: [any SortedRunSource]
    private var runs = RecordRunHeap()
    /// The lowest bound over the sources, known until a run is read: asking the sources
    /// for every message cost more than the merge itself.
    private var upcoming: (source: Int, bound: RunBound)??

    init(sources: [any SortedRunSource]) { self.sources = sources }

    mutating func next() throws -> Record? {
        while true {
            let upcoming = try lowestBound()
            if !runs.isEmpty, upcoming == nil || runs.headPrecedes(upcoming!.bound) {
                return runs.popHead()
            }
            guard let upcoming else { return nil }
            self.upcoming = .none
            var run = try sources[upcoming.source].nextRun()
            run.sortIfNeeded()
            runs.insert(run)
        }
    }

    private mutating func lowestBound() throws -> (source: Int, bound: RunBound)? {
        if let known = upcoming { return known }
        var lowest: (source: Int, bound: RunBound)?
        for index in sources.indices {
            if let bound = try sources[index].peekBound(), lowest == nil || bound < lowest!.bound {
                lowest = (index, bound)
            }
        }
        upcoming = .some(lowest)
        return lowest
    }
}
