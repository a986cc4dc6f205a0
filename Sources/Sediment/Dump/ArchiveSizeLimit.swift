import Logging
import SedimentKafka

/// `maxArchiveBytes`: backpressure instead of a full disk. Once the archive takes more
/// than the limit on disk, fetching pauses (the group is still served, batches still
/// commit); once retention has brought it a 16th under, fetching resumes where it paused.
/// During a long bucket outage the archive thus stops growing instead of filling the disk.
///
/// The size is measured at most once a second, from the sizes the index records (segments
/// to their durable end, window files), the window files being written (not yet in the
/// index: the archive's `UnrecordedWindowBytes`) and the index's own files, without a walk of the
/// directory; in between, the record bytes the appender took since are added to the last
/// measure, so that a fast dump overshoots the limit by a poll's worth at most. Batches
/// handed to the append thread but not yet in the index at a measure (three at most) are
/// counted from the next one.
struct ArchiveSizeLimit {
    let maxBytes: Int64
    let archive: Archive
    private var index: ArchiveIndex { archive.index }
    private var layout: ArchiveLayout { archive.layout }
    private(set) var isPaused = false
    private var measured: ContinuousClock.Instant?
    private var lastSize: Int64 = 0
    private var takenAtMeasure: Int64 = 0
    static let interval = Duration.seconds(1)

    /// Retention deletes a partition's segments except its last, so a limit smaller than a
    /// few segments could never be met again: segments roll at a 32nd of the limit
    /// (at least 64 KiB, at most the configured size) so that retention frees it in steps.
    static func segmentOptions(_ options: ArchiveOptions, maxArchiveBytes: Int64?) -> ArchiveOptions {
        guard let maxArchiveBytes else { return options }
        var options = options
        options.segmentBytes = Int(clamping: max(64 << 10, min(Int64(options.segmentBytes), maxArchiveBytes / 32)))
        options.blockBytes = min(options.blockBytes, max(16 << 10, options.segmentBytes / 4))
        return options
    }

    /// `archive`: the one the dump's compaction writes windows through, so that its
    /// unrecorded window bytes are the ones measured.
    init(maxBytes: Int64, archive: Archive) {
        self.maxBytes = maxBytes
        self.archive = archive
    }

    /// Pauses or resumes `partitions` as the archive's size says; while paused, pauses
    /// them all again each time (partitions a rebalance just assigned start unpaused).
    /// `taken`: the record bytes the appender has taken so far, held or handed over.
    mutating func check(partitions: [TopicPartition], consumer: KafkaConsumer, taken: Int64, logger: Logger) throws {
        let now = ContinuousClock.now
        let size: Int64
        if let measured, now - measured < Self.interval {
            // Between measures only a pause can be due: resuming waits for retention, measured.
            let grown = lastSize + (taken - takenAtMeasure)
            guard !isPaused, grown > maxBytes else { return }
            size = grown
        } else {
            measured = now
            // The index's own files: the database, its WAL and shared memory.
            let database = [layout.databasePath, layout.databasePath + "-wal", layout.databasePath + "-shm"].reduce(0) { $0 + FileSystem.diskUsage($1) }
            do {
                size = try index.recordedFileBytes() + database + archive.unrecordedWindowBytes.value
            } catch {
                // A measure is not worth the dump: keep the last one and try again next second.
                logger.warning("could not measure the archive for max-archive-size: \(error)", metadata: ["archive": "\(layout.root)"])
                return
            }
            lastSize = size
            takenAtMeasure = taken
        }
        defer { PipelineMetrics.archiveSize(bytes: size, fetchPaused: isPaused) }
        // Resuming waits for a 16th below the limit: batches fetched before the pause are
        // still landing, and resuming at the limit itself would pause again at once.
        switch (isPaused, size > (isPaused ? maxBytes - maxBytes / 16 : maxBytes)) {
        case (false, true):
            isPaused = true
            announce(.warning, size: size, "past max-archive-size \(ByteSizeExpression.text(maxBytes)): fetching paused until retention frees space", logger)
            try consumer.pause(partitions)
        case (true, true):
            try consumer.pause(partitions)
        case (true, false):
            isPaused = false
            announce(.notice, size: size, "a 16th under max-archive-size \(ByteSizeExpression.text(maxBytes)): fetching resumed", logger)
            try consumer.resume(partitions)
        case (false, false):
            break
        }
    }

    private func announce(_ level: Logger.Level, size: Int64, _ what: String, _ logger: Logger) {
        logger.log(level: level, "the archive takes \(size) bytes on disk, \(what)", metadata: ["archive": "\(layout.root)", "bytes": "\(size)"])
    }
}
