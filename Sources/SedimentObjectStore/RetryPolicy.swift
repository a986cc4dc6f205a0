/// How often and how patiently a failed request is tried again.
///
/// Exponential backoff with full jitter: before attempt n+1 the caller sleeps a random
/// duration in `[0, min(cap, base × 2ⁿ⁻¹)]`, which spreads retries of many clients
/// apart. The number of attempts and the total time slept are both bounded, so a
/// dead store fails the upload in bounded time instead of hanging it.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. Default 5.
    public var maxAttempts: Int = 5
    /// Backoff before the second attempt, at most. Default 200 ms.
    public var baseDelay: Duration = .milliseconds(200)
    /// The largest single backoff. Default 10 s.
    public var maxDelay: Duration = .seconds(10)
    /// Time slept across all retries of one operation, at most. Default 60 s.
    public var maxTotalDelay: Duration = .seconds(60)

    public init() {}

    public init(maxAttempts: Int, baseDelay: Duration, maxDelay: Duration, maxTotalDelay: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotalDelay = maxTotalDelay
    }

    /// A policy that never retries.
    public static let none = RetryPolicy(maxAttempts: 1, baseDelay: .zero, maxDelay: .zero)

    /// The backoff before attempt `attempt + 1` (attempt counts from 1), drawn with
    /// `random`, or nil when no further attempt is allowed after sleeping `sleptSoFar`.
    public func delay<R: RandomNumberGenerator>(
        afterAttempt attempt: Int, sleptSoFar: Duration, using random: inout R
    ) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 30)))
        let ceilingNanos = max(0, Self.nanoseconds(ceiling))
        let delay = Duration.nanoseconds(ceilingNanos == 0 ? 0 : Int64.random(in: 0...ceilingNanos, using: &random))
        guard sleptSoFar + delay <= maxTotalDelay else { return nil }
        return delay
    }

    public func delay(afterAttempt attempt: Int, sleptSoFar: Duration) -> Duration? {
        var random = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, sleptSoFar: sleptSoFar, using: &random)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
