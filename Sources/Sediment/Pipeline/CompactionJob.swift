import Logging
import SedimentObjectStore

/// One compaction of an archive's topics, then one upload pass, then the window hook:
/// what `sediment compact` runs, configured by one value. Everything that can be checked is checked on a
/// read-only connection first, so that a refused job leaves the archive as it was; the
/// target is recorded before any compaction, so that retention waits for it.
public struct CompactionJob: Sendable {
    /// The archive directory; it must exist.
    public var archive: String
    /// Only this instance. Default nil: every instance holding the topics.
    public var instance: String?
    /// Only this topic. Default nil: every topic.
    public var topic: String?
    /// Settings to record for the topics before compacting. Default: none changed.
    public var change = WindowSettingsChange()
    /// Default: compacted segments deleted, window files kept.
    public var retention = RetentionPolicy()
    /// Close every window now, however recent: a final flush. Default false.
    public var closeAll = false
    /// Where the windows go after compaction. Default nil: they stay local.
    public var upload: UploadTarget?
    /// A command run once per window file after compaction (and the upload, with a
    /// target): every window of the job's topics whose hook is not done yet, retries
    /// included, before `run` returns. Default nil: no hook.
    public var hook: WindowHook?
    /// The job's clock, in milliseconds since the epoch. Default: the wall clock.
    public var now: @Sendable () -> Int64 = WallClock.nowMilliseconds

    public init(archive: String) {
        self.archive = archive
    }

    /// What happened to one topic.
    public struct TopicReport: Sendable {
        public var instance: String
        public var topic: String
        /// What recording the job's settings did for the topic.
        public var settings: WindowSettingsOutcome
        public var summary: CompactionSummary
    }

    public struct Report: Sendable {
        public var topics: [TopicReport] = []
        /// nil without an upload target.
        public var upload: UploadSummary?
        /// nil without a hook. Hooks that failed every retry are counted, not thrown: the
        /// windows are compacted (and uploaded) all the same.
        public var hooks: HookSummary?
    }

    /// Runs the job; `compacted` hears of every 100,000 messages written per topic,
    /// `uploaded` of every object. A hook is validated, and the target checked
    /// (`UploadTarget.preflight`), before anything is opened, so that a refused one leaves
    /// the archive as it was; the target's store is shut down at the end, whatever happened.
    public func run(
        logger: Logger, compacted: ((CompactionProgress) -> Void)? = nil,
        uploaded: (@Sendable (UploadProgress) -> Void)? = nil
    ) async throws -> Report {
        do {
            if let instance { try ArchiveName.validate(instance, as: "instance") }
            if let topic { try ArchiveName.validate(topic, as: "topic") }
            try hook?.validate()
            try await upload?.preflight(logger: logger)
            let report = try await compactAndUpload(logger: logger, compacted: compacted, uploaded: uploaded)
            try await upload?.store.shutdown()
            return report
        } catch {
            try? await upload?.store.shutdown()
            throw error
        }
    }

    private func compactAndUpload(
        logger: Logger, compacted: ((CompactionProgress) -> Void)?, uploaded: (@Sendable (UploadProgress) -> Void)?
    ) async throws -> Report {
        let reader = try Archive.open(at: archive, logger: logger)
        let topics = try selectedTopics(in: reader)
        // Before the archive is opened for writing: a refused change leaves it as it was.
        try reader.validate(change, for: topics)
        if retention.localWindowRetention != nil, upload == nil, try !reader.hasContinuousTarget() {
            throw SedimentError(
                .invalidArgument,
                "`localWindowRetention` deletes window files only once an upload target has confirmed them, and \(archive) has none: set `upload`")
        }
        // One archive, one index connection pool, for the compactor and the uploader.
        let opened = try Archive.openForUpdate(at: archive, logger: logger)
        let uploader = try upload?.uploader(for: opened, logger: logger)
        let compactor = try Compactor.open(archive: opened, now: now)
        compactor.retention = retention
        compactor.retention.waitsForHooks = hook != nil
        let hooks = try hook.map {
            try WindowHookRunner(
                hook: $0, archive: opened, upload: upload, instance: instance, topic: topic,
                stop: HookStop(grace: .seconds(30)), logger: logger)
        }
        compactor.progress = compacted
        var report = Report()
        for (instance, topic) in topics {
            let settings = try compactor.configure(instance: instance, topic: topic, change)
            let summary = try compactor.compact(instance: instance, topic: topic, closeAll: closeAll)
            report.topics.append(TopicReport(instance: instance, topic: topic, settings: settings, summary: summary))
        }
        // The windows uploaded before a failed upload get their hooks all the same.
        var uploadError: (any Error)?
        do {
            // What the job selected, no more: `instance` as well as `topic`.
            report.upload = try await uploader?.uploadPending(instance: instance, topic: topic, progress: uploaded)
        } catch {
            uploadError = error
        }
        if let hooks {
            var summary = try await hooks.runUntilIdle()
            summary.pending = try await hooks.pendingCount()
            report.hooks = summary
        }
        if let uploadError { throw uploadError }
        return report
    }

    /// The (instance, topic) pairs `instance` and `topic` select; a topic the archive does
    /// not hold is an error.
    private func selectedTopics(in archive: Archive) throws -> [(instance: String, topic: String)] {
        var topics = try archive.topics()
        if let topic {
            topics = topics.filter { $0.topic == topic && (instance == nil || $0.instance == instance) }
            if topics.isEmpty {
                throw SedimentError(.notFound, "topic '\(topic)' is not in the archive \(self.archive)", context: ["topic": topic])
            }
        } else if let instance {
            topics = topics.filter { $0.instance == instance }
        }
        return topics
    }
}
