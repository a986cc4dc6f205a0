/// The window being written during a compaction run: opens a writer when the first
/// message of a window arrives, and records the window when the run moves past it.
struct WindowRun {
    let compactor: Compactor
    let instance: String
    let topic: String
    /// Every message of a window below these offsets is in the files this run writes.
    let positions: [Int32: Int64]
    let now: Int64
    var summary = CompactionSummary()
    private var window: WindowSchedule.Window?
    private var writer: WindowFileWriter?
    /// Messages appended so far, for `Compactor.progress`.
    private var appended = 0

    init(compactor: Compactor, instance: String, topic: String, positions: [Int32: Int64], now: Int64) {
        self.compactor = compactor
        self.instance = instance
        self.topic = topic
        self.positions = positions
        self.now = now
    }

    mutating func append(_ message: Message, window next: WindowSchedule.Window) throws {
        if window?.start != next.start {
            try finishWindow()
            let firstPart = try compactor.index.read { db in
                try compactor.index.highestPart(instance: instance, topic: topic, windowStart: next.start, in: db)
            } + 1
            writer = try WindowFileWriter(
                layout: compactor.archive.layout, instance: instance, topic: topic, window: next, firstPart: firstPart,
                coveredEnd: positions, writtenAt: now)
            window = next
        }
        appended += 1
        if appended % 100_000 == 0 { compactor.progress?(topic, appended) }
        do {
            try writer!.append(message)
        } catch {
            writer!.abandon()
            writer = nil
            window = nil
            throw error
        }
    }

    mutating func finishWindow() throws {
        guard let current = writer else { return }
        writer = nil
        window = nil
        let records: [WindowFileRecord]
        do {
            records = try current.finish()
        } catch {
            current.abandon()
            throw error
        }
        try compactor.index.record(records)
        summary.windows += 1
        for record in records {
            summary.files += 1
            summary.messages += record.count
            summary.skipped += record.skipped
            summary.inputBytes += record.inputSize
            summary.bytes += record.size
            summary.paths.append(record.path)
        }
    }
}
