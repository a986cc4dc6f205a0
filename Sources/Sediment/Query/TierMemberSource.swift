/// Sorted runs from members outside the usual local windows (see `TierMember`), in order
/// of their lowest timestamps, fetching the bucket's a few ahead.
struct TierMemberSource: SortedRunSource {
    let members: [TierMember]
    let range: Range<Int64>
    let partitions: Set<Int32>?
    let reader: WindowMemberReader
    let fetcher: RemoteMemberFetcher
    let ahead: Int
    /// When counting: whole members of exclusive windows add their counts to `tally` unread.
    let countsUnread: Bool
    let tally: Tally
    private var next = 0

    /// Shared with the cursor: the merge keeps its own copy of the source.
    final class Tally {
        var countedUnread = 0
        var membersCounted = 0
    }

    init(
        members: [TierMember], range: Range<Int64>, partitions: Set<Int32>?, reader: WindowMemberReader,
        fetcher: RemoteMemberFetcher, ahead: Int, countsUnread: Bool
    ) {
        self.members = members.sorted {
            ($0.member.minTimestamp, $0.name, $0.member.ordinal) < ($1.member.minTimestamp, $1.name, $1.member.ordinal)
        }
        self.range = range
        self.partitions = partitions
        self.reader = reader
        self.fetcher = fetcher
        self.ahead = max(1, ahead)
        self.countsUnread = countsUnread
        self.tally = Tally()
    }

    mutating func peekBound() throws -> RunBound? {
        while next < members.count, isCountedUnread(members[next]) {
            tally.countedUnread += members[next].member.count
            tally.membersCounted += 1
            next += 1
        }
        guard next < members.count else { return nil }
        return RunBound(timestamp: members[next].member.minTimestamp, partition: .min, offset: .min)
    }

    mutating func nextRun() throws -> RecordRun {
        let index = next
        next += 1
        let member = members[index]
        let run: RecordRun
        switch member.location {
        case .local(let path):
            let source = self
            reader.readAhead(members[(index + 1)...].lazy.filter { !source.isCountedUnread($0) }.compactMap { upcoming in
                guard case .local(let upcomingPath) = upcoming.location else { return nil }
                return LocatedMember(member: upcoming.member, path: upcomingPath, compression: upcoming.compression)
            })
            run = try reader.run(of: LocatedMember(member: member.member, path: path, compression: member.compression))
        case .remote:
            var lookahead = index + 1
            var started = 0
            while lookahead < members.count && started < ahead {
                if !isCountedUnread(members[lookahead]) {
                    try fetcher.prefetch(members, at: lookahead)
                    started += 1
                }
                lookahead += 1
            }
            run = try reader.counted(member.member) { try fetcher.member(members, at: index) }
        }
        return reader.keep(run, in: range, partitions: partitions)
    }

    private func isCountedUnread(_ member: TierMember) -> Bool {
        countsUnread && member.exclusive && partitions == nil
            && range.contains(member.member.minTimestamp) && range.contains(member.member.maxTimestamp)
    }
}
