/// Sorted runs read from the members of jsonl window files, read from the index a
/// page at a time: the messages of each member that fall in the range.
struct WindowMemberSource: SortedRunSource {
    let index: ArchiveIndex
    let instance: String
    let topic: String
    let range: Range<Int64>
    let partitions: Set<Int32>?
    let maxMemberSpan: Int64
    let maxFileID: Int64
    let reader: WindowMemberReader
    private var page: [LocatedMember] = []
    private var pageIndex = 0
    private var exhausted = false
    private static let pageSize = 256

    init(
        index: ArchiveIndex, instance: String, topic: String, range: Range<Int64>, partitions: Set<Int32>?,
        maxMemberSpan: Int64, maxFileID: Int64, reader: WindowMemberReader
    ) {
        self.index = index
        self.instance = instance
        self.topic = topic
        self.range = range
        self.partitions = partitions
        self.maxMemberSpan = maxMemberSpan
        self.maxFileID = maxFileID
        self.reader = reader
    }

    /// A member holds many partitions: only its lowest timestamp bounds it.
    mutating func peekBound() throws -> RunBound? {
        if pageIndex == page.count {
            if exhausted { return nil }
            let after = page.last.map { ($0.member.minTimestamp, $0.member.fileID, $0.member.ordinal) }
            page = try index.members(
                instance: instance, topic: topic, range: range, maxMemberSpan: maxMemberSpan, maxFileID: maxFileID,
                after: after, limit: Self.pageSize)
            pageIndex = 0
            if page.count < Self.pageSize { exhausted = true }
            if page.isEmpty { return nil }
        }
        return RunBound(timestamp: page[pageIndex].member.minTimestamp, partition: .min, offset: .min)
    }

    mutating func nextRun() throws -> RecordRun {
        let located = page[pageIndex]
        pageIndex += 1
        reader.readAhead(page[pageIndex...])
        return reader.keep(try reader.run(of: located), in: range, partitions: partitions)
    }
}
