/// A partition of a topic of a Kafka instance: how the archive names it everywhere.
public struct PartitionKey: Hashable, Sendable, Comparable {
    public var instance: String
    public var topic: String
    public var partition: Int32

    public init(instance: String, topic: String, partition: Int32) {
        self.instance = instance
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.instance, a.topic, a.partition) < (b.instance, b.topic, b.partition)
    }
}
