/// What a dump did, for its closing log line and `--json`.
public struct DumpSummary: Sendable, Hashable, Codable, AppendCounting {
    public var stored = 0
    public var alreadyStored = 0
    public var batches = 0
    public var bytes = 0
    /// What compaction wrote while the dump ran.
    public var compaction: CompactionSummary?
    /// What the upload passes sent while the dump ran and after it, with an upload target.
    public var upload: UploadSummary?
    /// What the window hook did while the dump ran and, once caught up, after it.
    public var hooks: HookSummary?
}
