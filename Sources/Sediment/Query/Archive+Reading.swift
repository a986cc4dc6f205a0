extension Archive {
    /// The messages of `topic` with timestamps in `range` (milliseconds, `from` inclusive,
    /// `to` exclusive), ordered by timestamp, then partition, then offset.
    /// With `bucket`, windows only a bucket holds are read from it; without, a range part
    /// of which only a bucket holds is an error (`notHeldLocally`). A cursor reading a
    /// bucket waits for it on the calling thread: from async code, use `stream`.
    public func messages(
        instance: String, topic: String, in range: Range<Int64>, partitions: Set<Int32>? = nil, bucket: BucketSession? = nil
    ) throws -> TimeRangeCursor {
        try TimeRangeCursor(archive: self, instance: instance, topic: topic, range: range, partitions: partitions, bucket: bucket)
    }

    /// How many messages `messages(instance:topic:in:partitions:bucket:)` would return, up
    /// to `limit`; whole members of bucket windows no other tier holds count unfetched.
    public func count(
        instance: String, topic: String, in range: Range<Int64>, partitions: Set<Int32>? = nil, bucket: BucketSession? = nil,
        limit: Int = .max
    ) throws -> (count: Int, statistics: QueryStatistics) {
        let cursor = try TimeRangeCursor(
            archive: self, instance: instance, topic: topic, range: range, partitions: partitions, bucket: bucket, counting: true)
        return (try cursor.count(limit: limit), cursor.statistics)
    }

    /// The messages of one partition with offsets in `offsets`, in offset order.
    public func messages(of key: PartitionKey, offsets: ClosedRange<Int64>) throws -> OffsetRangeCursor {
        try OffsetRangeCursor(archive: self, key: key, offsets: offsets)
    }

    /// The same as `messages(instance:topic:in:partitions:bucket:)`, as an `AsyncSequence`
    /// whose reads (and waits for the bucket) run off the cooperative thread pool.
    public func stream(
        instance: String, topic: String, in range: Range<Int64>, partitions: Set<Int32>? = nil, bucket: BucketSession? = nil
    ) -> TimeRangeMessages {
        TimeRangeMessages(archive: self, instance: instance, topic: topic, range: range, partitions: partitions, bucket: bucket)
    }
}

extension Archive {
    /// The messages `query` selects from every topic it names, in its order; `bucket` as
    /// for `messages(instance:topic:in:partitions:bucket:)`.
    public func messages(_ query: MessageQuery, bucket: BucketSession? = nil) throws -> QueryCursor {
        try QueryCursor(archive: self, query: query, bucket: bucket)
    }

    /// How many messages `messages(_:bucket:)` would return, up to `limit`. Without a
    /// filter, whole members of bucket windows no other tier holds count unfetched; with
    /// one, every message is read and tested.
    public func count(
        _ query: MessageQuery, bucket: BucketSession? = nil, limit: Int = .max
    ) throws -> (count: Int, statistics: QueryStatistics) {
        let cursor = try QueryCursor(archive: self, query: query, bucket: bucket, counting: true)
        return (try cursor.count(limit: limit), cursor.statistics)
    }
}
