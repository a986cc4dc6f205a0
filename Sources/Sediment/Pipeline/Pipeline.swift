import Logging
import SedimentObjectStore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// One archiving task as a `Service`: Kafka → segment store → compaction → upload → hook.
///
/// Before it consumes anything, it checks that the upload target takes writes
/// (`UploadTarget.preflight`): a target that cannot be written fails the start.
/// The dump runs on a thread of its own and compacts in the background; each compaction
/// pass that writes window files wakes the uploader, which otherwise sleeps. The window
/// hook runs on a task of its own, woken after each upload pass (after each compaction
/// pass without a target). A graceful shutdown stops the dump, which writes and commits
/// what it holds and compacts once more; the uploader then makes its last pass, and the
/// store's connections close; a hook running meanwhile may finish (`shutdownTimeout`),
/// and no other starts. A dump that caught up (`untilCaughtUp`) runs every ready window's
/// hook before it returns, retries included.
///
///     let pipeline = try Pipeline(configuration: configuration, logger: logger)
///     let summary = try await pipeline.run(untilSignals: [.sigterm, .sigint])
public final class Pipeline: Service, Sendable {
    public let configuration: PipelineConfiguration
    let logger: Logger
    private let result = Mutex<DumpSummary?>(nil)
    private let ready = Atomic<Bool>(false)

    public init(configuration: PipelineConfiguration, logger: Logger) throws {
        var configuration = configuration
        // Workers of a group feed one bucket whatever the archive says so far (a fresh one
        // records its group only with its first batch): their keys need {worker}.
        if configuration.dump.group != nil, let upload = configuration.upload, !upload.sharedByWorkers {
            configuration.upload = try UploadTarget(uri: upload.uri, store: upload.store, options: upload.options, sharedByWorkers: true)
        }
        configuration.upload?.options.now = configuration.now
        try configuration.validate()
        try ArchiveWriter.check(ArchiveLayout(root: configuration.archive), options: configuration.writer)
        self.configuration = configuration
        self.logger = logger
    }

    /// `init`, shutting the upload target's store down if the configuration is refused:
    /// the pipeline owns the store from here on, and shuts it down once it has run.
    public static func starting(configuration: PipelineConfiguration, logger: Logger) async throws -> Pipeline {
        do {
            return try Pipeline(configuration: configuration, logger: logger)
        } catch {
            try? await configuration.upload?.store.shutdown()
            throw error
        }
    }

    /// The summary once `run` has returned.
    public var summary: DumpSummary? { result.withLock { $0 } }

    /// The brokers answered and the archive is open, and the task has not stopped: what
    /// `/readyz` reports.
    public var isReady: Bool { ready.load(ordering: .relaxed) }

    /// Runs until one of `signals` arrives (or, with `untilCaughtUp`, until caught up),
    /// then shuts down gracefully; returns the summary. `alongside` run in the same group
    /// (an HTTP server), started first and stopped last. A second signal during the
    /// shutdown goes to `onSecondSignal` (the CLI exits at once).
    public func run(
        untilSignals signals: [UnixSignal], alongside: [any Service] = [], onSecondSignal: (@Sendable (UnixSignal) -> Void)? = nil
    ) async throws -> DumpSummary {
        try await ServiceGroup.run(
            [(self, stopsGroup: true)] + alongside.map { ($0, stopsGroup: false) }, stoppingOn: signals, onSecondSignal: onSecondSignal,
            logger: logger)
        return summary ?? DumpSummary()
    }

    public func run() async throws {
        do {
            // Before anything is consumed: a target that cannot be written fails the start.
            try await configuration.upload?.preflight(logger: logger)
            try await consumeCompactUpload()
        } catch {
            try? await configuration.upload?.store.shutdown()
            throw error
        }
        try await configuration.upload?.store.shutdown()
    }

    private func consumeCompactUpload() async throws {
        var options = configuration.dump
        if let upload = configuration.upload { options.compaction?.targets.append(upload.record) }
        if configuration.hook != nil { options.compaction?.retention.waitsForHooks = true }
        let dump = try ArchiveDump(
            archive: configuration.archive, options: options, archiveOptions: configuration.writer, logger: logger,
            now: configuration.now)
        let (changes, changed) = AsyncStream<Archive>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // The hook waits for uploads: with a target, the uploader wakes it after each pass.
        let (hookWakeups, wakeHooks) = AsyncStream<Archive>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let hooksFollowUploads = configuration.upload != nil
        dump.onArchiveChanged = { [self] archive in
            ready.store(true, ordering: .relaxed)
            changed.yield(archive)
            if !hooksFollowUploads { wakeHooks.yield(archive) }
        }
        defer { ready.store(false, ordering: .relaxed) }
        let stop = DumpStop()
        // The uploads run as a task of their own, so that a graceful shutdown can cancel
        // them alone once `shutdownTimeout` has passed.
        let uploads = configuration.upload.map { upload in
            Task {
                defer { wakeHooks.finish() }
                return try await self.upload(to: upload, on: changes, retry: changed, stop: stop, then: wakeHooks)
            }
        }
        // So do the hooks: a shutdown lets the one running finish within `shutdownTimeout`.
        let hookStop = HookStop(grace: configuration.shutdownTimeout)
        let hooks = configuration.hook.map { hook in
            Task { try await self.runHooks(hook, on: hookWakeups, retry: wakeHooks, stop: stop, hookStop: hookStop) }
        }
        do {
            let deadline = Mutex<Task<Void, Never>?>(nil)
            defer { deadline.withLock { $0?.cancel() } }
            /// From the first shutdown request on, uploads have `shutdownTimeout` left.
            @Sendable func armDeadline() {
                guard let uploads else { return }
                deadline.withLock { [configuration, logger] in
                    $0 = $0 ?? Task {
                        guard (try? await Task.sleep(for: configuration.shutdownTimeout)) != nil else { return }
                        logger.warning("uploads still running \(configuration.shutdownTimeout) after the shutdown began: left for the next start")
                        uploads.cancel()
                    }
                }
            }
            var summary = try await withTaskCancellationHandler {
                // Cancelled or shut down gracefully, the dump stops the same way: it writes and
                // commits what it holds, compacts once more, and returns.
                try await withTaskCancellationOrGracefulShutdownHandler {
                    defer {
                        changed.finish()
                        if !hooksFollowUploads { wakeHooks.finish() }
                    }
                    return try await dump.runOnThread(stop: stop)
                } onCancelOrGracefulShutdown: { [configuration, logger] in
                    stop.request()
                    hookStop.request()
                    guard uploads != nil else { return logger.notice("stopping: fetching stops, what is held is committed") }
                    logger.notice("stopping: fetching stops, what is held is committed, uploads have \(configuration.shutdownTimeout) to finish")
                    armDeadline()
                }
            } onCancel: {
                uploads?.cancel()
                hookStop.request()
                hooks?.cancel()
            }
            if let uploads {
                // A dump that stopped by itself uploads everything, unless a shutdown comes.
                summary.upload = try await withGracefulShutdownHandler {
                    try await uploads.value
                } onGracefulShutdown: {
                    armDeadline()
                }
            }
            if let hooks {
                // ...and runs every ready window's hook, unless a shutdown comes.
                summary.hooks = try await withTaskCancellationOrGracefulShutdownHandler {
                    try await hooks.value
                } onCancelOrGracefulShutdown: {
                    hookStop.request()
                }
            }
            result.withLock { $0 = summary }
        } catch {
            // No upload or hook outlives the run, nor uses the store once it is shut down.
            changed.finish()
            wakeHooks.finish()
            uploads?.cancel()
            _ = try? await uploads?.value
            hookStop.request()
            _ = try? await hooks?.value
            throw error
        }
    }

    /// Uploads after every change until the dump is done, then once more; returns what
    /// all passes uploaded, and wakes the hooks (`passed`) after each pass. A failed pass is
    /// logged and tried again after the retry delay (or the next change); the last pass's
    /// error is thrown. A target the archive refuses
    /// (a key template that cannot tell its windows apart) stops the dump: nothing it
    /// archived could go up.
    private func upload(
        to target: UploadTarget, on changes: AsyncStream<Archive>, retry: AsyncStream<Archive>.Continuation, stop: DumpStop,
        then passed: AsyncStream<Archive>.Continuation
    ) async throws -> UploadSummary {
        var uploader: WindowUploader?
        var opened: Archive?
        var total = UploadSummary()
        var retryTimer: Task<Void, Never>?
        defer { retryTimer?.cancel() }
        for await archive in changes {
            opened = archive
            if uploader == nil {
                do {
                    let logger = logger
                    uploader = try await BlockingIO.run { try target.uploader(for: archive, logger: logger) }
                } catch {
                    stop.request()
                    throw error
                }
            }
            guard let uploader else { continue }
            defer { passed.yield(archive) }
            do {
                let summary = try await uploader.uploadPending()
                total.add(summary)
                if summary.objects > 0 {
                    logger.info("uploaded windows", metadata: ["objects": "\(summary.objects)", "bytes": "\(summary.bytes)"])
                }
            } catch where Task.isCancelled {
                // The shutdown's time for uploads ran out: not a failure of the store.
                break
            } catch {
                logger.error("upload pass failed, will try again: \(error)")
                let delay = configuration.uploadRetryDelay
                retryTimer?.cancel()
                retryTimer = Task {
                    guard (try? await Task.sleep(for: delay)) != nil else { return }
                    retry.yield(archive)
                }
            }
        }
        // The dump's last compaction pass has run: its windows go up now, unless the
        // shutdown's time for uploads is over.
        guard let opened, !Task.isCancelled else { return total }
        let last: WindowUploader
        if let uploader {
            last = uploader
        } else {
            let logger = logger
            last = try await BlockingIO.run { try target.uploader(for: opened, logger: logger) }
        }
        defer { passed.yield(opened) }
        do {
            total.add(try await last.uploadPending())
        } catch where Task.isCancelled {
            // The shutdown's time for uploads ran out: what was in flight stays `uploading`,
            // looked up in the store and finished at the next start.
            logger.notice("uploads cut short by the shutdown; the next start finishes them")
        }
        return total
    }
}
