/// Where the hook (`--on-window`) stands for one topic, as `sediment status` prints it.
public struct HookStatistics: Sendable, Hashable, Codable {
    public var instance: String
    public var topic: String
    /// Window files whose hook exited 0.
    public var done: Int
    /// Window files on disk whose hook has not run, is running, or waits for a retry.
    public var pending: Int
    /// Window files whose hook failed every retry.
    public var failed: Int
    /// The error of the last failed window: its exit status and the tail of its stderr.
    public var lastError: String?
    /// That window's file, relative to the archive.
    public var lastFailedWindow: String?
}
