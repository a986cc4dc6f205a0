import Logging
import SedimentObjectStore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// One archiving task as a `Service`: Kafka → segment store → compaction → upload.
///
/// The dump runs on a thread of its own and compacts in the background; each compaction
/// pass that writes window files wakes the uploader, which otherwise sleeps. A graceful
/// shutdown stops the dump, which writes and commits what it holds and compacts once
/// more; the uploader then makes its last pass, and the store's connections close.
///
///     let pipeline = try Pipeline(configuration: configuration, logger: logger)
///     let summary = try await pipeline.run(untilSignals: [.sigterm, .sigint])
public final class Pipeline: Service, Sendable {
    public let configuration: PipelineConfiguration
    private let logger: Logger
    private let result = Mutex<DumpSummary?>(nil)

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

    /// Runs until one of `signals` arrives (or, with `untilCaughtUp`, until caught up),
    /// then shuts down gracefully; returns the summary.
    public func run(untilSignals signals: [UnixSignal]) async throws -> DumpSummary {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: self, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
        return summary ?? DumpSummary()
    }

    public func run() async throws {
        var options = configuration.dump
        if let upload = configuration.upload { options.compaction?.targets.append(upload.record) }
        let dump = try ArchiveDump(
            archive: configuration.archive, options: options, archiveOptions: configuration.writer, logger: logger,
            now: configuration.now)
        let (changes, changed) = AsyncStream<Archive>.makeStream(bufferingPolicy: .bufferingNewest(1))
        dump.onArchiveChanged = { changed.yield($0) }
        let stop = DumpStop()
        do {
            let summary = try await withThrowingTaskGroup(of: UploadSummary?.self) { group in
                if let upload = configuration.upload {
                    group.addTask { try await self.upload(to: upload, on: changes, retry: changed, stop: stop) }
                }
                // Cancelled or shut down gracefully, the dump stops the same way: it writes and
                // commits what it holds, compacts once more, and returns.
                var summary = try await withTaskCancellationOrGracefulShutdownHandler {
                    defer { changed.finish() }
                    return try await dump.runOnThread(stop: stop)
                } onCancelOrGracefulShutdown: {
                    stop.request()
                }
                while let uploaded = try await group.next() { summary.upload = uploaded }
                return summary
            }
            result.withLock { $0 = summary }
        } catch {
            try? await configuration.upload?.store.shutdown()
            throw error
        }
        try await configuration.upload?.store.shutdown()
    }

    /// Uploads after every change until the dump is done, then once more; returns what
    /// all passes uploaded. A failed pass is logged and tried again after the retry delay
    /// (or the next change); the last pass's error is thrown. A target the archive refuses
    /// (a key template that cannot tell its windows apart) stops the dump: nothing it
    /// archived could go up.
    private func upload(
        to target: UploadTarget, on changes: AsyncStream<Archive>, retry: AsyncStream<Archive>.Continuation, stop: DumpStop
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
            do {
                let summary = try await uploader.uploadPending()
                total.add(summary)
                if summary.objects > 0 {
                    logger.info("uploaded windows", metadata: ["objects": "\(summary.objects)", "bytes": "\(summary.bytes)"])
                }
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
        // The dump's last compaction pass has run: its windows go up now.
        guard let opened else { return total }
        let last: WindowUploader
        if let uploader {
            last = uploader
        } else {
            let logger = logger
            last = try await BlockingIO.run { try target.uploader(for: opened, logger: logger) }
        }
        total.add(try await last.uploadPending())
        return total
    }
}
