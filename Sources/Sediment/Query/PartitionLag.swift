import SedimentKafka

/// How far a partition of the archive is behind its Kafka cluster, as `sediment status
/// --brokers` prints it.
public struct PartitionLag: Sendable, Hashable, Codable {
    public var topic: String
    public var partition: Int32
    /// The cluster's high watermark: the offset its next message will get.
    public var highWatermark: Int64
    /// Messages the cluster holds past the archive's position.
    public var lag: Int64
}

extension Archive {
    /// The high watermark and lag of every partition the archive holds of `instance`, asked
    /// of the cluster at `brokers` (one ListOffsets per partition, without joining a group).
    /// A topic the cluster does not have is an error naming it.
    public func lag(instance: String, brokers: String, kafkaOptions: [String: String] = [:]) throws -> [PartitionLag] {
        let partitions = try statistics().filter { $0.instance == instance }
        guard !partitions.isEmpty else { return [] }
        do {
            let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": brokers, "allow.auto.create.topics": "false"]
                .merging(kafkaOptions) { _, user in user })
            defer { consumer.close() }
            return try partitions.map { held in
                let high = try consumer.watermarks(TopicPartition(topic: held.topic, partition: held.partition), timeout: .seconds(10)).high
                return PartitionLag(topic: held.topic, partition: held.partition, highWatermark: high, lag: max(0, high - held.position))
            }
        } catch let error as KafkaError {
            throw SedimentError(
                error.isRetriable ? .kafkaUnreachable : .kafka,
                "cannot read the high watermarks of instance '\(instance)' at \(brokers): \(error)", underlying: error)
        }
    }
}
