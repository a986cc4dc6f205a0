extension Archive {
    /// The messages of `topic` with timestamps in `range` (milliseconds, `from` inclusive,
    /// `to` exclusive), ordered by timestamp, then partition, then offset.
    public func messages(
        instance: String, topic: String, in range: Range<Int64>, partitions: Set<Int32>? = nil
    ) throws -> TimeRangeCursor {
        try TimeRangeCursor(archive: self, instance: instance, topic: topic, range: range, partitions: partitions)
    }

    /// The messages of one partition with offsets in `offsets`, in offset order.
    public func messages(of key: PartitionKey, offsets: ClosedRange<Int64>) throws -> OffsetRangeCursor {
        try OffsetRangeCursor(archive: self, key: key, offsets: offsets)
    }

    /// The same as `messages(instance:topic:in:partitions:)`, as an `AsyncSequence` whose
    /// reads run off the cooperative thread pool.
    public func stream(
        instance: String, topic: String, in range: Range<Int64>, partitions: Set<Int32>? = nil
    ) -> TimeRangeMessages {
        TimeRangeMessages(archive: self, instance: instance, topic: topic, range: range, partitions: partitions)
    }
}
