/// The messages a replay sends: one source partition after another, each in offset order,
/// as Kafka holds them. Read by offset from segments; a partition whose segments retention
/// deleted is read by time from the windows (and the bucket), which is its offset order
/// unless its timestamps go back, and then the replay stops, naming the message.
struct ReplaySource {
    let archive: Archive
    let instance: String
    let topic: String
    let range: Range<Int64>
    let bucket: BucketSession?
    var filter: MessageFilter?

    func forEach(_ body: (Message) throws -> Void) throws {
        guard let filter, !filter.isEmpty else { return try forEachInRange(body) }
        try forEachInRange { message in
            if filter.matches(message) { try body(message) }
        }
    }

    private func forEachInRange(_ body: (Message) throws -> Void) throws {
        let spans = try archive.index.offsetSpans(instance: instance, topic: topic, range: range)
        for (partition, span) in spans.sorted(by: { $0.key < $1.key }) {
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

    private func byTime(_ partition: Int32, _ body: (Message) throws -> Void) throws {
        let cursor = try archive.messages(instance: instance, topic: topic, in: range, partitions: [partition], bucket: bucket)
        var last = Int64.min
        while let message = try cursor.next() {
            guard message.offset > last else {
                throw SedimentError(
                    .invalidInput,
                    "partition \(partition) of topic '\(topic)': offset \(message.offset) has an earlier timestamp than offset \(last), "
                        + "and retention deleted the segments that hold them in offset order, so the replay cannot keep the partition's order",
                    context: ["topic": topic, "partition": "\(partition)", "offset": "\(message.offset)"])
            }
            last = message.offset
            try body(message)
        }
    }
}
