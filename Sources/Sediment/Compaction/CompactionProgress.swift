/// How far a compaction run over one topic got, for a progress line.
public struct CompactionProgress: Sendable {
    public var topic: String
    /// Messages written into window files so far in this run.
    public var messages: Int
    /// The records the segments hold past what earlier runs compacted, when the run began:
    /// an upper bound on what this run writes (messages of windows still open stay).
    public var backlog: Int64
}
