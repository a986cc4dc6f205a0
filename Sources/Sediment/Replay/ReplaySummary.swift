/// What one run of a replay did.
public struct ReplaySummary: Sendable, Hashable, Codable {
    public struct TargetPartition: Sendable, Hashable, Codable {
        public var messages = 0
        public var bytes: Int64 = 0
        public var firstOffset: Int64?
        public var lastOffset: Int64?

        mutating func add(offset: Int64, bytes more: Int) {
            messages += 1
            bytes += Int64(more)
            firstOffset = min(firstOffset ?? offset, offset)
            lastOffset = max(lastOffset ?? offset, offset)
        }
    }

    public var replay: ReplayRecord
    /// Acknowledged in this run, per target partition.
    public var partitions: [Int32: TargetPartition] = [:]
    /// Already acknowledged by an earlier run, not sent again.
    public var skipped = 0
    /// Delivered by an earlier run that was cut short before recording them: found in the
    /// target, recorded now, not sent again.
    public var foundInTarget = 0
    /// Sent in this run with an archived timestamp of 0, which librdkafka (as Kafka's
    /// clients do) replaces with the time of sending.
    public var zeroTimestamps = 0
}

/// What a replay would send from one source partition (`--dry-run`).
public struct ReplayPlanPartition: Sendable, Hashable, Codable {
    public var partition: Int32
    public var messages = 0
    public var bytes: Int64 = 0
    public var minTimestamp: Int64?
    public var maxTimestamp: Int64?
}
