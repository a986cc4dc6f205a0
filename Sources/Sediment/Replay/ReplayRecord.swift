/// A replay as the archive records it: what it sends where, and how far it got.
public struct ReplayRecord: Sendable, Hashable, Codable {
    public enum Partitioning: String, Sendable, Hashable, Codable, CaseIterable {
        /// The source partition; the target needs at least as many partitions.
        case same
        /// By key: murmur2 of the key modulo the target's partitions, as Kafka's Java
        /// producer places keyed messages; a null key goes round-robin.
        case key
        /// Each message to the next partition in turn.
        case roundRobin = "round-robin"
    }

    public enum State: String, Sendable, Hashable, Codable {
        case running, done, failed
    }

    public var id: String
    public var instance: String
    public var topic: String
    public var from: Int64
    public var to: Int64
    public var targetTopic: String
    public var brokers: String
    public var partitioning: Partitioning
    public var sourceHeaders: Bool
    /// Sent through a transactional producer whose `transactional.id` is the replay's: a
    /// resume fences every earlier run of it, and what those had not committed is aborted.
    public var transactional: Bool
    /// Only the messages it keeps are sent; nil sends every message of the range.
    public var filter: MessageFilter?
    public var targetPartitions: Int
    /// Messages in the range when the replay first started.
    public var messages: Int
    /// Of those, acknowledged by the target so far.
    public var acknowledged: Int
    public var state: State
    public var error: String?
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// A run of the offset map: the messages the replay sent from `sourceFirst...sourceLast` of
/// one source partition to one target partition went to `targetFirst...targetLast`, in
/// order. The source side may skip offsets (messages a filter left out or that went to
/// other target partitions, offsets the source topic never held); the target side does
/// not. Which messages a run holds follows from the archive, the replay's filter and its
/// partitioner, so a skipping run is told apart from a dense one only where it matters:
/// translating an offset inside it.
public struct ReplayRun: Sendable, Hashable, Codable {
    public var sourcePartition: Int32
    public var sourceFirst: Int64
    public var sourceLast: Int64
    public var targetPartition: Int32
    public var targetFirst: Int64
    public var targetLast: Int64

    public var messages: Int64 { targetLast - targetFirst + 1 }

    /// Every source offset of the span was sent here: a source offset's target offset is
    /// then arithmetic.
    public var isDense: Bool { sourceLast - sourceFirst == targetLast - targetFirst }

    /// Whether (`source`, `target`) continues this run.
    func isFollowed(bySource source: Int64, target partition: Int32, offset: Int64) -> Bool {
        source > sourceLast && partition == targetPartition && offset == targetLast + 1
    }
}
