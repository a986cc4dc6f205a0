/// One topic of one Kafka instance, as the archive names it.
public struct ArchivedTopic: Hashable, Sendable, Comparable {
    public var instance: String
    public var topic: String

    public init(instance: String, topic: String) {
        self.instance = instance
        self.topic = topic
    }

    /// By topic name first: the tie-break between topics of a query.
    public static func < (a: Self, b: Self) -> Bool {
        (a.topic, a.instance) < (b.topic, b.instance)
    }
}

/// A message and the topic it is from: what a query over several topics returns.
public struct TopicMessage: Sendable, Hashable {
    public var topic: ArchivedTopic
    public var message: Message

    public init(topic: ArchivedTopic, message: Message) {
        self.topic = topic
        self.message = message
    }
}

/// What `Archive.messages(_:bucket:)` reads: the messages of some topics in a time range,
/// kept by `filter`, in one of two orders.
public struct MessageQuery: Sendable {
    public enum Order: String, Sendable, CaseIterable {
        /// By timestamp, then topic (name, then instance), then partition, then offset:
        /// with one topic, the order of `TimeRangeCursor`.
        case time
        /// By topic (name, then instance), then partition, then offset: each partition as
        /// Kafka held it. Sorted in bounded memory (see `OffsetOrderSort`).
        case offset
    }

    public var topics: [ArchivedTopic]
    /// Milliseconds, `from` inclusive, `to` exclusive.
    public var range: Range<Int64>
    /// nil: every partition.
    public var partitions: Set<Int32>?
    /// Default: every message.
    public var filter: MessageFilter
    /// Default: `.time`.
    public var order: Order
    /// `.offset` order keeps up to this many bytes of messages in memory, and sorts the
    /// rest through temporary files. Default 64 MiB.
    public var sortMemory: Int = 64 << 20
    /// Where those files go (unlinked as soon as they are created). Default: `$TMPDIR`, or `/tmp`.
    public var sortDirectory: String?
    /// nil (the default): a corrupt segment record or window-file member fails the query,
    /// naming the file and byte. Given: those are left out and counted there.
    public var skipCorrupt: CorruptionTally?

    public init(
        topics: [ArchivedTopic], range: Range<Int64>, partitions: Set<Int32>? = nil, filter: MessageFilter = MessageFilter(),
        order: Order = .time
    ) {
        self.topics = topics
        self.range = range
        self.partitions = partitions
        self.filter = filter
        self.order = order
    }
}
