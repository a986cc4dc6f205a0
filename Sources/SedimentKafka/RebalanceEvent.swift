/// A change of this consumer's share of its group's partitions (eager protocol: every
/// rebalance revokes everything, then assigns the new share).
public enum RebalanceEvent: Sendable, Hashable {
    /// The group gave this consumer these partitions; none is being consumed yet.
    case assigned([TopicPartition])
    /// The group takes these partitions back; after the callback returns, this consumer
    /// stops consuming them and another member may start.
    case revoked([TopicPartition])
}
