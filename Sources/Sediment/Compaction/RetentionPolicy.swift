/// What a compactor may delete once windows hold the data.
public struct RetentionPolicy: Sendable, Hashable {
    /// Delete a segment file once every message it holds is in a jsonl window file (text
    /// windows are lossy: their segments stay) that every continuous upload target has
    /// confirmed. The partition's last segment, which the writer appends to, always
    /// stays. Default true.
    public var deleteCompactedSegments = true
    /// Delete window files whose window ended longer ago than this, once every continuous
    /// upload target (at least one) has confirmed them. Default nil: keep them.
    public var localWindowRetention: Int64?
    /// Keep a window file past `localWindowRetention` until its hook is done (not pending,
    /// running or failed): the hook reads the file. `Pipeline` and `CompactionJob` set it
    /// when they run a `WindowHook`. Default false.
    public var waitsForHooks = false

    public init() {}
}
