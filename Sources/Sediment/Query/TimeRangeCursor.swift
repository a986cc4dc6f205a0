/// Streams the messages of one topic whose timestamps fall in `[from, to)`, ordered by
/// (timestamp, partition, offset): closed windows read from their gzip members, the
/// rest from segment blocks, each message once whichever side holds it.
///
/// The cursor sees the archive as of its creation: blocks committed later (offsets at
/// or past the positions read at the start) and window files recorded later are left
/// out, so a query running beside a writer or a compactor returns a consistent prefix
/// of every partition.
public final class TimeRangeCursor {
    public let instance: String
    public let topic: String
    public let range: Range<Int64>
    private var merge: SortedRunMerge
    private let members: WindowMemberReader
    private let lease: ReaderLease
    private let manifestBytes: Int64
    private let fetcher: RemoteMemberFetcher?
    private let tally: TierMemberSource.Tally?
    /// The last message returned: a message two sources hold (a segment and a bucket, two
    /// workers' objects of one window) comes out of the merge twice in a row, and goes once.
    private var last: RunBound?

    /// With `bucket`, windows held only in a bucket are read from it (see `BucketPlan`);
    /// without, a range part of which only a bucket holds is an error. `counting` lets
    /// whole members of windows no other tier holds count unread (see `count(limit:)`).
    init(
        archive: Archive, instance: String, topic: String, range: Range<Int64>, partitions: Set<Int32>?,
        bucket: BucketSession? = nil, counting: Bool = false, skipCorrupt: CorruptionTally? = nil
    ) throws {
        self.instance = instance
        self.topic = topic
        self.range = range
        lease = ReaderLease(layout: archive.layout)
        let index = archive.index
        let (snapshot, locallyDeleted, remoteOnly) = try index.read { db in
            let snapshot = try QuerySnapshot(index: index, instance: instance, topic: topic, in: db)
            let deleted = snapshot.schedule == nil ? [] : try index.locallyDeletedWindows(
                instance: instance, topic: topic, maxFileID: snapshot.maxFileID, in: db)
            let remoteOnly = deleted.isEmpty ? [] : try index.remoteOnlyWindows(
                instance: instance, topic: topic, range: range, partitions: partitions, maxFileID: snapshot.maxFileID, in: db)
            return (snapshot, deleted, remoteOnly)
        }
        // A range part of which only a bucket holds is read from it, or is an error, never
        // a shorter answer.
        var plan = BucketPlan()
        if let bucket {
            plan = try BucketPlan.make(
                session: bucket, index: index, instance: instance, topic: topic, range: range, snapshot: snapshot, remoteOnly: remoteOnly)
        } else {
            plan.unreadable = remoteOnly
        }
        if !plan.unreadable.isEmpty {
            throw SedimentError.heldOnlyRemotely(plan.unreadable, instance: instance, topic: topic, range: range, bucketRead: bucket != nil)
        }
        manifestBytes = plan.manifestBytes
        var filter = SegmentBlockFilter(range: range, snapshot: snapshot.positions, partitions: partitions)
        members = WindowMemberReader(layout: archive.layout, skipCorrupt: skipCorrupt)
        var sources: [any SortedRunSource] = []
        if let schedule = snapshot.schedule {
            let coverage = WindowCoverage(
                index: index, instance: instance, topic: topic, schedule: schedule,
                compactedBelow: snapshot.compactedBelow, maxFileID: snapshot.maxFileID)
            coverage.locallyDeletedWindows = locallyDeleted
            filter.skipsBlock = { coverage.isServedByWindows($0) }
            filter.keeps = { try !coverage.isServedByWindows($0, in: $1) }
            sources.append(WindowMemberSource(
                index: index, instance: instance, topic: topic, range: range, partitions: partitions,
                maxMemberSpan: snapshot.maxMemberSpan, maxFileID: snapshot.maxFileID, reader: members))
        }
        let feed = IndexBlockFeed(index: index, instance: instance, topic: topic, range: range, maxBlockSpan: snapshot.maxBlockSpan)
        sources.insert(SegmentBlockSource(
            feed: feed, reader: SegmentReader(layout: archive.layout, instance: instance, topic: topic, skipCorrupt: skipCorrupt),
            filter: filter), at: 0)
        if let bucket, !plan.members.isEmpty {
            let fetcher = RemoteMemberFetcher(session: bucket)
            let source = TierMemberSource(
                members: plan.members, range: range, partitions: partitions, reader: members, fetcher: fetcher,
                ahead: bucket.concurrency, countsUnread: counting)
            self.fetcher = fetcher
            tally = source.tally
            sources.append(source)
        } else {
            fetcher = nil
            tally = nil
        }
        merge = SortedRunMerge(sources: sources)
    }

    deinit { fetcher?.cancelAll() }

    /// The next message in order, or nil at the end of the range.
    public func next() throws -> Message? {
        try nextRecord()?.message()
    }

    /// The next record in order, not yet decoded.
    func nextRecord() throws -> Record? {
        while let record = try merge.next() {
            let position = record.position
            if position == last { continue }
            last = position
            return record
        }
        return nil
    }

    /// How many messages the range holds, up to `limit`. A cursor opened for counting
    /// takes the count of each whole member of a bucket window that no other tier holds
    /// from the index or the manifest, without fetching it.
    public func count(limit: Int = .max) throws -> Int {
        var counted = 0
        while counted < limit, try nextRecord() != nil { counted += 1 }
        return min(limit, counted + (tally?.countedUnread ?? 0))
    }

    /// What the cursor read so far.
    public var statistics: QueryStatistics {
        QueryStatistics(
            membersRead: members.membersRead, membersCounted: tally?.membersCounted ?? 0,
            bytesFetched: manifestBytes + (fetcher?.bytesFetched ?? 0), bytesInflated: members.bytesInflated)
    }

    /// How many gzip members of window files this cursor has inflated so far...
    public var windowMembersRead: Int { members.membersRead }
    /// ...and how many of them held a message of the range: the seeking benchmark's count.
    public var windowMembersUsed: Int { members.membersUsed }
}
