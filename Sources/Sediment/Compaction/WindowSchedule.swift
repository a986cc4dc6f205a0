/// A topic's settings over time: which window, under which settings, holds a moment.
///
/// Windows are `[start, start + granularity)` aligned in UTC; where a settings change
/// falls inside a window of the new granularity, that first window starts at the change.
struct WindowSchedule: Sendable {
    struct Entry: Sendable, Hashable {
        var since: Int64
        var settings: WindowSettings
    }

    struct Window: Sendable, Hashable {
        var start: Int64
        var end: Int64
        var settings: WindowSettings
    }

    /// Ordered by `since`; the first starts at `Int64.min`.
    let entries: [Entry]

    init(entries: [Entry]) {
        precondition(!entries.isEmpty, "a schedule needs settings")
        self.entries = entries.sorted { $0.since < $1.since }
    }

    var current: WindowSettings { entries.last!.settings }

    func entryIndex(at time: Int64) -> Int {
        var low = 0
        var high = entries.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if entries[middle].since <= time { low = middle } else { high = middle - 1 }
        }
        return low
    }

    func window(containing time: Int64) -> Window {
        let index = entryIndex(at: time)
        let entry = entries[index]
        let granularity = entry.settings.granularity
        // At the ends of Int64's range the aligned bounds fall outside it: the first window
        // starts at Int64.min and the last ends at Int64.max (a timestamp ingest accepts).
        let number = UTCDate.floorDivide(time, granularity)
        let (aligned, below) = number.multipliedReportingOverflow(by: granularity)
        let (next, above) = (number + 1).multipliedReportingOverflow(by: granularity)
        let start = max(below ? Int64.min : aligned, entry.since)
        var end = above ? Int64.max : next
        if index + 1 < entries.count { end = min(end, entries[index + 1].since) }
        return Window(start: start, end: end, settings: entry.settings)
    }

    /// True when every window that could hold `range` uses the lossless format.
    func isLossless(in range: ClosedRange<Int64>) -> Bool {
        let first = entryIndex(at: range.lowerBound)
        let last = entryIndex(at: range.upperBound)
        return entries[first...last].allSatisfy { $0.settings.format == .jsonl }
    }

    /// The longest window of any entry: a lower bound on how far back a window can start.
    var longestWindow: Int64 { entries.map(\.settings.granularity).max()! }
}
