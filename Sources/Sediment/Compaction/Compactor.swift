import Logging

/// Turns what the store holds into window files: for each topic, every window that is
/// closed and holds messages not yet in a file is written (a new part when the window
/// already has files), then recorded in the index.
///
/// One compactor per archive (it holds `sediment.compact.lock`); it runs beside the
/// writer and beside any number of readers. Not thread-safe: one thread drives it.
public final class Compactor {
    public let archive: Archive
    /// What to delete once windows hold the data. Default: compacted segments; windows kept.
    public var retention = RetentionPolicy()
    /// Called every 100,000 messages written with the topic and the count so far in this
    /// run, for a progress line on a terminal. Default nil.
    public var progress: ((CompactionProgress) -> Void)?
    private let lock: ArchiveLock
    let now: @Sendable () -> Int64
    var index: ArchiveIndex { archive.index }
    var logger: Logger { archive.logger }

    /// Opens an existing archive for compaction.
    public static func open(
        at path: String, logger: Logger = Logger(label: "sediment"),
        now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds
    ) throws -> Compactor {
        let layout = ArchiveLayout(root: path)
        try Archive.requireExisting(layout)
        let lock = try Self.lock(layout)
        return Compactor(archive: try Archive.openForUpdate(at: path, logger: logger), lock: lock, now: now)
    }

    /// A compactor over an archive already open for update, sharing its index (`compact`
    /// with `--target` uploads through the same one).
    public static func open(
        archive: Archive, now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds
    ) throws -> Compactor {
        Compactor(archive: archive, lock: try Self.lock(archive.layout), now: now)
    }

    /// A compactor over the archive a writer has open (the one `dump` runs).
    public convenience init(writer: ArchiveWriter, now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) throws {
        self.init(archive: writer.archive, lock: try Self.lock(writer.archive.layout), now: now)
    }

    private init(archive: Archive, lock: ArchiveLock, now: @escaping @Sendable () -> Int64) {
        self.archive = archive
        self.lock = lock
        self.now = now
    }

    private static func lock(_ layout: ArchiveLayout) throws -> ArchiveLock {
        try ArchiveLock(path: layout.compactionLockPath, holder: "compactor (sediment compact, or dump with compaction)")
    }

    /// Writes the closed windows of one topic. With `closeAll`, every window that holds
    /// messages is closed now (a final flush).
    public func compact(instance: String, topic: String, closeAll: Bool = false) throws -> CompactionSummary {
        let time = now()
        var snapshot = try index.read { db in try CompactionSnapshot(index: index, instance: instance, topic: topic, in: db) }
        if snapshot.schedule == nil {
            // A topic never configured gets the defaults, recorded like any settings.
            try configure(instance: instance, topic: topic)
            snapshot = try index.read { db in try CompactionSnapshot(index: index, instance: instance, topic: topic, in: db) }
        }
        guard let schedule = snapshot.schedule, !snapshot.positions.isEmpty else { return CompactionSummary() }
        let closedBefore = closeAll ? Int64.max : snapshot.closedBefore(schedule: schedule, now: time)
        let coverage = WindowCoverage(
            index: index, instance: instance, topic: topic, schedule: schedule,
            compactedBelow: snapshot.compactedBelow, maxFileID: .max)
        var run = WindowRun(
            archive: archive, instance: instance, topic: topic, positions: snapshot.positions, now: time,
            backlog: progress == nil ? 0 : try index.uncompactedRecords(instance: instance, topic: topic, compactedBelow: snapshot.compactedBelow),
            progress: progress)
        let pending: [Int32: Int64]
        do {
            switch schedule.current.windowTime {
            case .message:
                try compactByMessageTime(snapshot, coverage: coverage, closedBefore: closedBefore, into: &run)
                pending = try index.read { db in try snapshot.pendingByMessageTime(from: closedBefore, in: db) }
            case .ingest:
                pending = try compactByIngestTime(snapshot, coverage: coverage, closedBefore: closedBefore, into: &run)
            }
            try run.finishWindow()
        } catch {
            run.abandon()
            throw error
        }
        try index.setCompactedBelow(pending, instance: instance, topic: topic)
        let deleted = try applyRetention(retention, snapshot: snapshot, schedule: schedule, now: time)
        run.summary.segmentsDeleted = deleted.segments
        run.summary.windowFilesDeleted = deleted.windowFiles
        PipelineMetrics.succeeded(.compact, at: time)
        if run.summary.files > 0 {
            PipelineMetrics.windowsWritten(topic: topic, files: run.summary.files)
            logger.info("compacted", metadata: [
                "topic": "\(topic)", "windows": "\(run.summary.windows)", "files": "\(run.summary.files)",
                "messages": "\(run.summary.messages)",
            ])
        }
        return run.summary
    }

    /// Messages come from one merged scan in timestamp order, so windows come one after
    /// the other and each is written as soon as the scan leaves it.
    private func compactByMessageTime(
        _ snapshot: CompactionSnapshot, coverage: WindowCoverage, closedBefore: Int64, into run: inout WindowRun
    ) throws {
        guard let lowest = try index.read({ db in try snapshot.lowestPendingTimestamp(in: db) }), lowest < closedBefore else { return }
        var filter = SegmentBlockFilter(range: lowest..<closedBefore, snapshot: snapshot.positions, partitions: nil)
        filter.skipsBlock = { $0.lastOffset < coverage.compactedBelow[$0.partition] ?? 0 }
        let feed = IndexBlockFeed(
            index: index, instance: snapshot.instance, topic: snapshot.topic, range: lowest..<closedBefore,
            maxBlockSpan: snapshot.maxBlockSpan)
        var merge = SortedRunMerge(sources: [
            SegmentBlockSource(feed: feed, reader: segmentReader(snapshot), filter: filter, readingAhead: true)
        ])
        // Messages already in a file are left out here rather than in the source's filter:
        // one window lookup per message instead of two.
        let schedule = coverage.schedule
        while let record = try merge.next() {
            let position = record.position
            let window = schedule.window(containing: position.timestamp)
            if try coverage.isInFile(position, window: window) { continue }
            try run.append(record, window: window)
        }
    }

    /// A block belongs to the window of the moment it was stored; the blocks of each
    /// closed window are merged by timestamp. Returns the new compaction positions.
    private func compactByIngestTime(
        _ snapshot: CompactionSnapshot, coverage: WindowCoverage, closedBefore: Int64, into run: inout WindowRun
    ) throws -> [Int32: Int64] {
        let blocks = try index.read { db in try snapshot.pendingBlocks(in: db) }
        var byWindow: [Int64: (window: WindowSchedule.Window, blocks: [BlockRow])] = [:]
        var pending = snapshot.positions
        for block in blocks {
            let window = coverage.schedule.window(containing: block.ingestedAt)
            if window.end <= closedBefore {
                byWindow[window.start, default: (window, [])].blocks.append(block)
            } else {
                pending[block.partition] = min(pending[block.partition] ?? .max, block.firstOffset)
            }
        }
        for start in byWindow.keys.sorted() {
            let (window, windowBlocks) = byWindow[start]!
            let filter = SegmentBlockFilter(range: .min ..< .max, snapshot: snapshot.positions, partitions: nil)
            var merge = SortedRunMerge(sources: [
                SegmentBlockSource(
                    feed: ListBlockFeed(windowBlocks), reader: segmentReader(snapshot), filter: filter, readingAhead: true)
            ])
            // As by message time: messages already in a file are left out here, so that the
            // source's filter keeps by position only and its blocks can be read ahead.
            while let record = try merge.next() {
                if try coverage.isInFile(record.position, window: window) { continue }
                try run.append(record, window: window)
            }
            try run.finishWindow()
        }
        return pending
    }

    private func segmentReader(_ snapshot: CompactionSnapshot) -> SegmentReader {
        SegmentReader(layout: archive.layout, instance: snapshot.instance, topic: snapshot.topic)
    }
}
