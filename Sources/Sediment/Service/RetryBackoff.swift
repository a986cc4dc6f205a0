/// How long a failed task (or a window hook, `WindowHook.backoff`) waits before it starts
/// again: `initial` after its first failure, doubling with each failure in a row up to
/// `maximum`. A task's run that lasted `healthyAfter` or longer before it failed counts as
/// healthy: the next wait is `initial` again. With the defaults: 1 s, 2 s, 4 s... 256 s,
/// then 5 minutes.
public struct RetryBackoff: Sendable, Hashable {
    /// Default 1 s.
    public var initial: Duration = .seconds(1)
    /// Default 5 minutes.
    public var maximum: Duration = .seconds(300)
    /// Default 60 s.
    public var healthyAfter: Duration = .seconds(60)

    public init() {}

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after `failures` failures in a row (1 for the first).
    public func delay(afterFailures failures: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(failures, 1) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
