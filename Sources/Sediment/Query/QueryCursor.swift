import Foundation

/// Reads a `MessageQuery`: a `TimeRangeCursor` per topic, the messages its filter keeps,
/// merged across topics by time or sorted topic after topic by offset.
///
/// Every topic's cursor is opened before the first message, so a query that cannot be
/// answered whole (a range only a bucket holds, read without one) fails before it
/// returns anything.
public final class QueryCursor {
    public let query: MessageQuery
    /// The query's topics, in their tie-break order; the index of a topic is its rank.
    private let topics: [ArchivedTopic]
    private let cursors: [TimeRangeCursor]
    /// Time order: the next kept message of each topic, once read.
    private var heads: [Message?]
    private var exhausted: [Bool]
    /// Offset order: the topic being returned, and its sort.
    private var current = 0
    private var sort: OffsetOrderSort?

    init(archive: Archive, query: MessageQuery, bucket: BucketSession?, counting: Bool = false) throws {
        guard !query.topics.isEmpty else { throw SedimentError(.invalidArgument, "a query needs at least one topic in `topics`") }
        self.query = query
        topics = Set(query.topics).sorted()
        // A count with a filter must see each message, so no member may count unread.
        let countsUnread = counting && query.filter.isEmpty
        cursors = try topics.map {
            try TimeRangeCursor(
                archive: archive, instance: $0.instance, topic: $0.topic, range: query.range, partitions: query.partitions,
                bucket: bucket, counting: countsUnread, skipCorrupt: query.skipCorrupt)
        }
        heads = Array(repeating: nil, count: topics.count)
        exhausted = Array(repeating: false, count: topics.count)
    }

    /// The next message in the query's order, or nil at the end.
    public func next() throws -> TopicMessage? {
        switch query.order {
        case .time: try nextByTime()
        case .offset: try nextByOffset()
        }
    }

    /// How many messages the query selects, up to `limit`, instead of reading them: order
    /// plays no part. Without a filter, a cursor opened for counting takes whole members of
    /// bucket windows no other tier holds from their counts (see `TimeRangeCursor.count`).
    public func count(limit: Int = .max) throws -> Int {
        var counted = 0
        for cursor in cursors where counted < limit {
            if query.filter.isEmpty {
                counted += try cursor.count(limit: limit - counted)
            } else {
                while counted < limit, let message = try cursor.next() {
                    if query.filter.matches(message) { counted += 1 }
                }
            }
        }
        return counted
    }

    /// What the cursors read so far, summed.
    public var statistics: QueryStatistics {
        cursors.reduce(QueryStatistics(membersRead: 0, membersCounted: 0, bytesFetched: 0, bytesInflated: 0)) { sum, cursor in
            let statistics = cursor.statistics
            return QueryStatistics(
                membersRead: sum.membersRead + statistics.membersRead, membersCounted: sum.membersCounted + statistics.membersCounted,
                bytesFetched: sum.bytesFetched + statistics.bytesFetched, bytesInflated: sum.bytesInflated + statistics.bytesInflated)
        }
    }

    private func nextKept(from cursor: TimeRangeCursor) throws -> Message? {
        while let message = try cursor.next() {
            if query.filter.matches(message) { return message }
        }
        return nil
    }

    private func nextByTime() throws -> TopicMessage? {
        var lowest: Int?
        for index in cursors.indices {
            if heads[index] == nil && !exhausted[index] {
                heads[index] = try nextKept(from: cursors[index])
                exhausted[index] = heads[index] == nil
            }
            guard let head = heads[index] else { continue }
            if let best = lowest, let bestHead = heads[best],
                (bestHead.timestamp, best, bestHead.partition, bestHead.offset) <= (head.timestamp, index, head.partition, head.offset) {
                continue
            }
            lowest = index
        }
        guard let index = lowest, let message = heads[index] else { return nil }
        heads[index] = nil
        return TopicMessage(topic: topics[index], message: message)
    }

    private func nextByOffset() throws -> TopicMessage? {
        while current < cursors.count {
            if sort == nil {
                let sort = OffsetOrderSort(memory: query.sortMemory, directory: query.sortDirectory ?? Self.temporaryDirectory)
                while let message = try nextKept(from: cursors[current]) { try sort.add(message) }
                self.sort = sort
            }
            if let message = try sort!.next() { return TopicMessage(topic: topics[current], message: message) }
            sort = nil
            current += 1
        }
        return nil
    }

    private static var temporaryDirectory: String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        return directory.isEmpty ? "/tmp" : directory
    }
}
