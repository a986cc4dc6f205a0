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
    /// Time order: the next kept record of each topic, once read.
    private var heads: [Record?]
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
        guard let (rank, record) = try nextRanked() else { return nil }
        return TopicMessage(topic: topics[rank], message: try record.message())
    }

    /// Appends up to `count` records as `format` lines to `out`, stopping once `out` holds
    /// `bytes` or more, and returns how many it appended: 0 at the end. An answer read this
    /// way builds no value per record.
    public func append(upTo count: Int, bytes: Int, format: LineFormat, to out: inout [UInt8]) throws -> Int {
        var appended = 0
        // Looked up once: a name read from the array per record was retained and released each time.
        let onlyTopic = topics.count == 1 ? topics[0].topic : nil
        while appended < count, out.count < bytes, let (rank, record) = try nextRanked() {
            appended += 1
            switch format {
            case .jsonl:
                try record.appendJSONLine(topic: onlyTopic ?? topics[rank].topic, to: &out)
            case .value:
                try record.withValue { value in if let value { out.append(contentsOf: value) } }
                out.append(0x0A)
            }
        }
        return appended
    }

    /// What `append(upTo:bytes:format:to:)` writes of each record.
    public enum LineFormat: Sendable {
        /// Sediment's lossless JSON line.
        case jsonl
        /// The value's bytes (nothing for a tombstone), then "\n".
        case value
    }

    /// The next record and the rank of its topic.
    private func nextRanked() throws -> (rank: Int, record: Record)? {
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
                while counted < limit, try nextKept(from: cursor) != nil { counted += 1 }
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

    private func nextKept(from cursor: TimeRangeCursor) throws -> Record? {
        while let record = try cursor.nextRecord() {
            if try query.filter.isEmpty || query.filter.matches(record.message()) { return record }
        }
        return nil
    }

    private func nextByTime() throws -> (rank: Int, record: Record)? {
        if cursors.count == 1 { return try nextKept(from: cursors[0]).map { (0, $0) } }
        var lowest: Int?
        for index in cursors.indices {
            if heads[index] == nil && !exhausted[index] {
                heads[index] = try nextKept(from: cursors[index])
                exhausted[index] = heads[index] == nil
            }
            guard let head = heads[index]?.position else { continue }
            if let best = lowest, let bestHead = heads[best]?.position,
                (bestHead.timestamp, best, bestHead.partition, bestHead.offset) <= (head.timestamp, index, head.partition, head.offset) {
                continue
            }
            lowest = index
        }
        guard let index = lowest, let record = heads[index] else { return nil }
        heads[index] = nil
        return (index, record)
    }

    private func nextByOffset() throws -> (rank: Int, record: Record)? {
        while current < cursors.count {
            if sort == nil {
                let sort = OffsetOrderSort(memory: query.sortMemory, directory: query.sortDirectory ?? Self.temporaryDirectory)
                while let record = try nextKept(from: cursors[current]) { try sort.add(record.message()) }
                self.sort = sort
            }
            if let message = try sort!.next() { return (current, Record(message: message)) }
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
