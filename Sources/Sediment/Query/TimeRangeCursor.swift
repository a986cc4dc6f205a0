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

    init(archive: Archive, instance: String, topic: String, range: Range<Int64>, partitions: Set<Int32>?) throws {
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
        // A range part of which only a bucket holds is an error, never a shorter answer.
        if !remoteOnly.isEmpty {
            throw SedimentError.heldOnlyRemotely(remoteOnly, instance: instance, topic: topic, range: range)
        }
        var filter = SegmentBlockFilter(range: range, snapshot: snapshot.positions, partitions: partitions)
        members = WindowMemberReader(layout: archive.layout)
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
            feed: feed, reader: SegmentReader(layout: archive.layout, instance: instance, topic: topic), filter: filter), at: 0)
        merge = SortedRunMerge(sources: sources)
    }

    /// The next message in order, or nil at the end of the range.
    public func next() throws -> Message? { try merge.next() }

    /// How many gzip members of window files this cursor has inflated so far...
    public var windowMembersRead: Int { members.membersRead }
    /// ...and how many of them held a message of the range: the seeking benchmark's count.
    public var windowMembersUsed: Int { members.membersUsed }
}
