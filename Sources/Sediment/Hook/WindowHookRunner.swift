import Foundation
import Logging
import SedimentObjectStore

/// Runs a `WindowHook` for an archive's window files and records each one's state in the
/// index (`HookState`): one hook at a time; within a topic in window order (a window's hook
/// runs once every earlier window's is done or failed); across topics, the earliest
/// window first. With an upload target, a window waits until the target confirmed its
/// object and manifest.
///
/// One runner per archive at a time, in any process: it holds `sediment.hooks.lock`. A
/// window found `running` was cut short by a crash and runs again; failed windows get a
/// new series of retries when the runner opens. A cancelled task stops the runner as
/// `stop` does, never halfway through recording a run: its index work runs to completion.
final class WindowHookRunner: Sendable {
    let hook: WindowHook
    let archive: Archive
    let stop: HookStop
    private let lock: ArchiveLock
    private let target: Target?
    private let instance: String?
    private let topic: String?
    /// The archive directory, absolute: what the hook's variables name.
    private let root: String
    private let logger: Logger

    private struct Target: Sendable {
        var id: Int64
        var uri: String
        var object: ObjectTarget
    }

    /// What `runReady` did, and when it should be called again.
    struct Pass: Sendable {
        var summary = HookSummary()
        /// Milliseconds since the epoch: when the first window waiting for a retry is due;
        /// nil when none waits.
        var nextRetryAt: Int64?
    }

    /// Takes the hooks lock and gives failed windows a new series of retries. `upload`
    /// is the target windows wait for (recorded in the index if it is not yet).
    init(
        hook: WindowHook, archive: Archive, upload: UploadTarget?, instance: String? = nil, topic: String? = nil,
        stop: HookStop, logger: Logger
    ) throws {
        self.hook = hook
        self.archive = archive
        self.stop = stop
        self.instance = instance
        self.topic = topic
        self.logger = logger
        lock = try ArchiveLock(path: archive.layout.hooksLockPath, holder: "hook runner (dump, compact or run with a window hook)")
        let now = WallClock.nowMilliseconds()
        if let upload {
            target = Target(id: try archive.index.registerTarget(upload.record, at: now), uri: upload.uri, object: upload.store.target)
        } else {
            target = nil
        }
        root = URL(fileURLWithPath: archive.layout.root).standardizedFileURL.path
        try archive.index.retryFailedHooks(at: now)
    }

    /// Runs the hooks of the windows ready now, one after the other, until none is or a
    /// stop is requested.
    func runReady() async throws -> Pass {
        var pass = Pass()
        while !stop.isRequested {
            let (index, targetID, instance, topic) = (archive.index, target?.id, instance, topic)
            let candidates = try await BlockingIO.runToCompletion { try index.hookCandidates(targetID: targetID, instance: instance, topic: topic) }
            let (next, retryAt) = choose(from: candidates, now: WallClock.nowMilliseconds())
            guard let next else {
                pass.nextRetryAt = retryAt
                break
            }
            try await run(next, into: &pass.summary)
        }
        return pass
    }

    /// Runs hooks until every window ready is done or failed, waiting out the retries
    /// in between; what `compact` does, and a dump that caught up. A stop ends it early.
    func runUntilIdle() async throws -> HookSummary {
        var summary = HookSummary()
        while !stop.isRequested && !Task.isCancelled {
            let pass = try await runReady()
            summary.add(pass.summary)
            guard let at = pass.nextRetryAt else { break }
            await stop.sleep(milliseconds: at - WallClock.nowMilliseconds())
        }
        return summary
    }

    /// Windows of the runner's topics whose hook is not done nor failed (never tried,
    /// waiting for an upload or a retry, or stopped).
    func pendingCount() async throws -> Int {
        let (index, targetID, instance, topic) = (archive.index, target?.id, instance, topic)
        return try await BlockingIO.runToCompletion { try index.hookCandidates(targetID: targetID, instance: instance, topic: topic).count }
    }

    /// The window to run next, and when the first one waiting for a retry is due. Only each
    /// topic's first window is looked at: the others wait for it.
    private func choose(from candidates: [HookCandidate], now: Int64) -> (HookCandidate?, Int64?) {
        var seen = Set<String>()
        var next: HookCandidate?
        var retryAt: Int64?
        for candidate in candidates {
            let file = candidate.file
            guard seen.insert(file.instance + "\u{0}" + file.topic).inserted else { continue }
            if target != nil, !(candidate.upload?.state == .uploaded && candidate.upload?.hasManifest == true) { continue }
            if candidate.state == .pending && candidate.nextAttemptAt > now {
                retryAt = min(retryAt ?? .max, candidate.nextAttemptAt)
                continue
            }
            if let chosen = next?.file, (chosen.windowStart, chosen.instance, chosen.topic) <= (file.windowStart, file.instance, file.topic) {
                continue
            }
            next = candidate
        }
        return (next, retryAt)
    }

    private func run(_ candidate: HookCandidate, into summary: inout HookSummary) async throws {
        let file = candidate.file
        let index = archive.index
        let (attempt, manifest) = try await BlockingIO.runToCompletion {
            (try index.hookStarted(fileID: file.id, at: WallClock.nowMilliseconds()), try index.manifest(of: file).encoded())
        }
        var upload: HookEnvironment.Upload?
        if let target, let key = candidate.upload?.key {
            upload = .init(target: target.uri, key: target.object.fullKey(key))
        }
        let environment = HookEnvironment.variables(
            for: file, archive: root, upload: upload, attempt: attempt, parent: ProcessInfo.processInfo.environment)
        let outcome: (termination: HookProcess.Termination?, error: String)
        do {
            let process = try HookProcess.start(command: hook.command, environment: environment, input: manifest)
            stop.track(process)
            let termination = await process.termination()
            stop.track(nil)
            if process.wasStopped {
                try await BlockingIO.runToCompletion { try index.hookInterrupted(fileID: file.id, at: WallClock.nowMilliseconds()) }
                logger.notice("hook stopped by the shutdown; it runs again at the next start", metadata: ["window": "\(file.path)"])
                return
            }
            let stderr = process.stderrText()
            outcome = (termination, stderr.isEmpty ? "\(termination)" : "\(termination): \(stderr)")
        } catch {
            outcome = (nil, "\(error)")
        }
        let now = WallClock.nowMilliseconds()
        if outcome.termination?.succeeded == true {
            try await BlockingIO.runToCompletion { try index.hookDone(fileID: file.id, at: now) }
            PipelineMetrics.hookRun(succeeded: true)
            PipelineMetrics.succeeded(.hook, at: now)
            summary.done += 1
            logger.debug("hook done", metadata: ["window": "\(file.path)", "attempt": "\(attempt)"])
            return
        }
        let failures = candidate.failures + 1
        let retryAt = failures > hook.retries ? nil : now + hook.backoff.delay(afterFailures: failures).milliseconds
        try await BlockingIO.runToCompletion { try index.hookFailed(fileID: file.id, error: outcome.error, retryAt: retryAt, at: now) }
        PipelineMetrics.hookRun(succeeded: false)
        if let retryAt {
            summary.retried += 1
            logger.warning(
                "hook failed (\(outcome.error)); retry \(failures) of \(hook.retries) in \(Duration.milliseconds(retryAt - now))",
                metadata: ["window": "\(file.path)", "attempt": "\(attempt)"])
        } else {
            summary.failed += 1
            logger.error(
                "hook failed (\(outcome.error)) after \(failures) runs; recorded as failed, retried at the next start",
                metadata: ["window": "\(file.path)", "attempt": "\(attempt)"])
        }
    }
}
