import Synchronization

/// A request to stop running hooks, safe to make from any thread: no new hook starts,
/// and the one running gets `grace` to finish before it is signalled.
final class HookStop: Sendable {
    let grace: Duration
    private let state = Mutex<(requested: Bool, running: HookProcess?)>((false, nil))

    init(grace: Duration) {
        self.grace = grace
    }

    var isRequested: Bool { state.withLock { $0.requested } }

    func request() {
        let running = state.withLock { state in
            state.requested = true
            return state.running
        }
        running?.stop(after: grace)
    }

    /// Makes `process` (nil once it ended) the one a request stops; one started just as
    /// the request came is stopped too.
    func track(_ process: HookProcess?) {
        let requested = state.withLock { state in
            state.running = process
            return state.requested
        }
        if requested { process?.stop(after: grace) }
    }

    /// Sleeps `milliseconds`, or until a request or a cancellation.
    func sleep(milliseconds: Int64) async {
        let end = ContinuousClock.now + .milliseconds(max(0, milliseconds))
        while !isRequested && !Task.isCancelled && ContinuousClock.now < end {
            try? await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
        }
    }
}
