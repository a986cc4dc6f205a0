import SedimentObjectStore

extension Pipeline {
    /// Runs the hooks of the windows ready at each wake-up until the dump is done (the
    /// wake-ups end); a window waiting for a retry wakes it again when due. Then, after a
    /// dump that caught up, every ready window's hook runs, retries included; after a
    /// shutdown (`stop` or `hookStop` requested), none more. A runner that cannot open
    /// (another process holds the hooks lock) stops the dump.
    func runHooks(
        _ hook: WindowHook, on wakeups: AsyncStream<Archive>, retry: AsyncStream<Archive>.Continuation, stop: DumpStop,
        hookStop: HookStop
    ) async throws -> HookSummary {
        var runner: WindowHookRunner?
        var total = HookSummary()
        var retryTimer: Task<Void, Never>?
        defer { retryTimer?.cancel() }
        for await archive in wakeups {
            if runner == nil {
                do {
                    let (upload, logger) = (configuration.upload, logger)
                    runner = try await BlockingIO.runToCompletion {
                        try WindowHookRunner(hook: hook, archive: archive, upload: upload, stop: hookStop, logger: logger)
                    }
                } catch {
                    stop.request()
                    throw error
                }
            }
            guard let runner else { continue }
            let pass = try await runner.runReady()
            total.add(pass.summary)
            if let at = pass.nextRetryAt {
                retryTimer?.cancel()
                retryTimer = Task {
                    guard (try? await Task.sleep(for: .milliseconds(max(0, at - WallClock.nowMilliseconds())))) != nil else { return }
                    retry.yield(archive)
                }
            }
        }
        guard let runner else { return total }
        if !stop.isRequested && !hookStop.isRequested {
            total.add(try await runner.runUntilIdle())
        }
        total.pending = try await runner.pendingCount()
        return total
    }
}
