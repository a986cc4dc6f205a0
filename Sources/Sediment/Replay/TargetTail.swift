import SedimentKafka

/// What the target partitions hold past what the offset map records: the records an
/// earlier run of the replay delivered before it was cut short, as fingerprints in order.
/// A resume claims them one by one for the messages it would send next, so that none is
/// sent twice; one that is not the next message means someone else wrote to the target.
final class TargetTail {
    private var records: [Int32: [(offset: Int64, fingerprint: ReplayFingerprint)]] = [:]
    private var next: [Int32: Int] = [:]
    private let topic: String

    /// Reads `topic` from `from[p]` up to each partition's end: for a read-committed
    /// consumer (librdkafka's default), the last stable offset, so what an aborted or
    /// still open transaction holds is not there. The end is found by partition EOF, not by
    /// the last record's offset: transaction markers take offsets and are never delivered.
    init(topic: String, from: [Int32: Int64], configuration: [String: String]) throws {
        self.topic = topic
        let consumer = try KafkaConsumer(
            configuration: configuration.merging([
                "enable.auto.commit": "false", "enable.partition.eof": "true", "isolation.level": "read_committed",
            ]) { _, tail in tail })
        defer { consumer.close() }
        var ends: [Int32: Int64] = [:]
        var assignment: [(TopicPartition, offset: Int64)] = []
        for (partition, start) in from {
            let end = try consumer.watermarks(TopicPartition(topic: topic, partition: partition), timeout: .seconds(30)).high
            if end > start {
                ends[partition] = end
                assignment.append((TopicPartition(topic: topic, partition: partition), start))
            }
        }
        guard !assignment.isEmpty else { return }
        try consumer.assign(assignment)
        var remaining = Set(ends.keys)
        let deadline = ContinuousClock.now + .seconds(120)
        while !remaining.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw SedimentError(
                    .kafka,
                    "reading what the target topic '\(topic)' holds past the offset map took longer than 2 minutes; a transaction another "
                        + "producer keeps open on it holds its read-committed end back")
            }
            _ = try consumer.poll(
                maxMessages: 10_000, timeout: .milliseconds(200),
                endOfPartition: { partition, offset in
                    if let end = ends[partition.partition], offset >= end { remaining.remove(partition.partition) }
                }
            ) { view in
                guard let end = ends[view.partition], view.offset < end else { return }
                let fingerprint = ReplayFingerprint(key: view.key, value: view.value, headers: view.headers())
                records[view.partition, default: []].append((view.offset, fingerprint))
            }
        }
    }

    var isEmpty: Bool { records.isEmpty }

    /// The offset of the next record of `partition`, if it is `fingerprint`; nil when the
    /// partition holds nothing more; an error when it holds something else.
    func claim(_ partition: Int32, _ fingerprint: ReplayFingerprint) throws -> Int64? {
        let index = next[partition, default: 0]
        guard let held = records[partition], index < held.count else { return nil }
        guard held[index].fingerprint == fingerprint else {
            throw SedimentError(
                .invalidInput,
                "partition \(partition) of the target topic '\(topic)' holds at offset \(held[index].offset) a record this replay did not send next: "
                    + "something else writes to it, or a message of the replay failed while later ones were delivered; sending the rest "
                    + "would break the partition's order or send a message twice, so the replay stops here",
                context: ["topic": topic, "partition": "\(partition)", "offset": "\(held[index].offset)"])
        }
        next[partition] = index + 1
        return held[index].offset
    }

    /// Records no message claimed: the target holds them, and the replay did not send them.
    var unclaimed: [(partition: Int32, offset: Int64)] {
        records.compactMap { partition, held in
            let index = next[partition, default: 0]
            return index < held.count ? (partition, held[index].offset) : nil
        }.sorted { $0.partition < $1.partition }
    }
}
