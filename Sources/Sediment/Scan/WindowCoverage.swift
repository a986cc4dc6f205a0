/// Which stored messages are already in window files, as of one snapshot of the index.
///
/// A message of window W and partition p is in a file when its offset is below the
/// highest `covered_end` that W's files record for p (see Schema/0004_windows.sql).
/// Queries read such messages from the windows, and compaction never writes them again.
final class WindowCoverage {
    let schedule: WindowSchedule
    /// Every message below these offsets is in a file (a hint that may lag, never lead).
    let compactedBelow: [Int32: Int64]
    /// Windows (window time, merged, in order) with a file local retention deleted: a query
    /// reads them from segments alone. Compaction leaves this empty, since the deleted
    /// files still hold their messages where they were uploaded.
    var locallyDeletedWindows: [Range<Int64>] = []
    private let index: ArchiveIndex
    private let instance: String
    private let topic: String
    private let maxFileID: Int64
    private var windows: [Int64: [Int32: Int64]] = [:]
    /// The last window asked about: messages come in runs of one window.
    private var last: (start: Int64, coverage: [Int32: Int64])?

    init(index: ArchiveIndex, instance: String, topic: String, schedule: WindowSchedule, compactedBelow: [Int32: Int64], maxFileID: Int64) {
        self.index = index
        self.instance = instance
        self.topic = topic
        self.schedule = schedule
        self.compactedBelow = compactedBelow
        self.maxFileID = maxFileID
    }

    var windowTime: WindowSettings.WindowTime { schedule.current.windowTime }

    /// The moment that places the message in a window.
    func windowTime(of message: RunBound, in block: BlockRow) -> Int64 {
        windowTime == .ingest ? block.ingestedAt : message.timestamp
    }

    func window(of message: RunBound, in block: BlockRow) -> WindowSchedule.Window {
        schedule.window(containing: windowTime(of: message, in: block))
    }

    func isInFile(_ message: RunBound, window: WindowSchedule.Window) throws -> Bool {
        if message.offset < compactedBelow[message.partition] ?? 0 { return true }
        let covered = try coverage(of: window.start)[message.partition] ?? 0
        return message.offset < covered
    }

    /// True when a query reads this message from a window file rather than its segment:
    /// it is in a file, and that file is lossless.
    func isServedByWindows(_ message: RunBound, in block: BlockRow) throws -> Bool {
        let window = window(of: message, in: block)
        guard window.settings.format == .jsonl, !isLocallyDeleted(window.start...window.start) else { return false }
        return try isInFile(message, window: window)
    }

    /// True when every message of the block is served by windows, known without reading it.
    func isServedByWindows(_ block: BlockRow) -> Bool {
        guard block.lastOffset < compactedBelow[block.partition] ?? 0 else { return false }
        let times = windowTime == .ingest ? block.ingestedAt...block.ingestedAt : block.minTimestamp...block.maxTimestamp
        return schedule.isLossless(in: times) && !isLocallyDeleted(times)
    }

    /// Whether `times` meets a window with a locally deleted file.
    private func isLocallyDeleted(_ times: ClosedRange<Int64>) -> Bool {
        guard !locallyDeletedWindows.isEmpty else { return false }
        var low = 0
        var high = locallyDeletedWindows.count
        // The first window that ends after `times` starts.
        while low < high {
            let middle = (low + high) / 2
            if locallyDeletedWindows[middle].upperBound <= times.lowerBound { low = middle + 1 } else { high = middle }
        }
        return low < locallyDeletedWindows.count && locallyDeletedWindows[low].lowerBound <= times.upperBound
    }

    private func coverage(of windowStart: Int64) throws -> [Int32: Int64] {
        if let last, last.start == windowStart { return last.coverage }
        let found = try lookUp(windowStart)
        last = (windowStart, found)
        return found
    }

    private func lookUp(_ windowStart: Int64) throws -> [Int32: Int64] {
        if let known = windows[windowStart] { return known }
        let found = try index.read { db in
            try index.coverage(instance: instance, topic: topic, windowStart: windowStart, maxFileID: maxFileID, in: db)
        }
        if windows.count > 4096 { windows.removeAll(keepingCapacity: true) }
        windows[windowStart] = found
        return found
    }
}
