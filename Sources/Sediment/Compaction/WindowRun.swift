/// The window being written during a compaction run: opens a writer when the first
/// message of a window arrives, and records the window when the run moves past it.
struct WindowRun {
    /// Where files go and are recorded.
    let archive: Archive
    let instance: String
    let topic: String
    /// Every message of a window below these offsets is in the files this run writes.
    let positions: [Int32: Int64]
    let now: Int64
    var summary = CompactionSummary()
    private var window: WindowSchedule.Window?
    private var writer: WindowFileWriter?
    /// Messages appended so far, for `progress`.
    private var appended = 0
    /// Called every 100,000 messages (`Compactor.progress`).
    private let progress: ((CompactionProgress) -> Void)?
    /// What the run may write at most, for `progress`.
    private let backlog: Int64

    init(
        archive: Archive, instance: String, topic: String, positions: [Int32: Int64], now: Int64,
        backlog: Int64 = 0, progress: ((CompactionProgress) -> Void)?
    ) {
        self.archive = archive
        self.instance = instance
        self.topic = topic
        self.positions = positions
        self.now = now
        self.progress = progress
        self.backlog = backlog
    }

    mutating func append(_ record: Record, window next: WindowSchedule.Window) throws {
        if window?.start != next.start {
            try finishWindow()
            writer = try WindowFileWriter(
                layout: archive.layout, instance: instance, topic: topic, window: next,
                recordedParts: try archive.index.highestParts(instance: instance, topic: topic, windowStart: next.start),
                coveredEnd: positions, writtenAt: now, unrecordedBytes: archive.unrecordedWindowBytes)
            window = next
        }
        guard let current = writer else { return }
        appended += 1
        if appended % 100_000 == 0 { progress?(CompactionProgress(topic: topic, messages: appended, backlog: backlog)) }
        try current.append(record)
    }

    /// Leaves the window being written as if never started, so that no temporary file
    /// stays behind: what the compactor does with a run that failed anywhere (reading a
    /// segment, writing or finishing a window).
    mutating func abandon() {
        writer?.abandon()
        writer = nil
        window = nil
    }

    mutating func finishWindow() throws {
        guard let current = writer else { return }
        // A failure leaves the writer here for `abandon`.
        let records = try current.finish()
        writer = nil
        window = nil
        try archive.index.record(records)
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
