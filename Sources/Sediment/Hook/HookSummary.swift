/// What the hook runs of one command (`compact`) or one task (`dump`) came to.
public struct HookSummary: Sendable, Hashable, Codable {
    /// Windows whose hook exited 0.
    public var done = 0
    /// Windows whose hook failed every retry: recorded as failed.
    public var failed = 0
    /// Failed runs followed by a retry.
    public var retried = 0
    /// Windows of the archive whose hook was left to a later run: not ready (an upload not
    /// confirmed), not yet run at a shutdown, or waiting for a retry.
    public var pending = 0

    public init() {}

    /// Adds another pass's counts; `pending` is the latest count, not a sum.
    public mutating func add(_ other: HookSummary) {
        done += other.done
        failed += other.failed
        retried += other.retried
    }
}
