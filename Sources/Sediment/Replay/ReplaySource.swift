/// The messages a replay sends: one source partition after another, each in offset order,
/// as Kafka holds them. Read by offset from segments; a partition the segments do not hold
/// whole (retention deleted some, or a restore brought windows only) is read by time from
/// the windows (and the bucket), which is its offset order unless its timestamps go back:
/// then the replay stops before sending anything of it, naming the message.
struct ReplaySource {
    let archive: Archive
    let instance: String
    let topic: String
    let range: Range<Int64>
    let bucket: BucketSession?
    var filter: MessageFilter?
    /// Only these source partitions; nil for all.
    var partitions: Set<Int32>?

    func forEach(_ body: (Message) throws -> Void) throws {
        guard let filter, !filter.isEmpty else { return try forEachInRange(body) }
        try forEachInRange { message in
            if filter.matches(message) { try body(message) }
        }
    }

    private func forEachInRange(_ body: (Message) throws -> Void) throws {
        let spans = try archive.index.offsetSpans(instance: instance, topic: topic, range: range)
        for (partition, span) in spans.sorted(by: { $0.key < $1.key }) where partitions?.contains(partition) ?? true {
            let byOffset: OffsetRangeCursor
            do {
                byOffset = try archive.messages(of: PartitionKey(instance: instance, topic: topic, partition: partition), offsets: span)
            } catch let error as SedimentError where error.code == .notHeldLocally {
                try byTime(partition, body)
                continue
            }
            while let message = try byOffset.next() {
                if range.contains(message.timestamp) { try body(message) }
            }
        }
    }

    /// The partition from the time-ordered read, which is its offset order only when its
    /// timestamps never go back: checked over the whole partition before anything is sent.
    private func byTime(_ partition: Int32, _ body: (Message) throws -> Void) throws {
        var last = Int64.min
        try eachByTime(partition) { message in
            guard message.offset > last else {
                throw SedimentError(
                    .invalidInput,
                    "partition \(partition) of topic '\(topic)': offset \(message.offset) has an earlier timestamp than offset \(last), "
                        + "and the archive holds them only in window files, ordered by time, so the replay cannot keep the partition's order; nothing of it was sent",
                    context: ["topic": topic, "partition": "\(partition)", "offset": "\(message.offset)"])
            }
            last = message.offset
        }
        try eachByTime(partition, body)
    }

    private func eachByTime(_ partition: Int32, _ body: (Message) throws -> Void) throws {
        let cursor = try archive.messages(instance: instance, topic: topic, in: range, partitions: [partition], bucket: bucket)
        while let message = try cursor.next() { try body(message) }
    }
}
