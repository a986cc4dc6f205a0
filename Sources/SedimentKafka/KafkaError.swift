/// An error from librdkafka, or from this wrapper on librdkafka's behalf.
///
/// `code` and `name` are librdkafka's: broker errors are positive Kafka protocol codes
/// (`UNKNOWN_TOPIC_OR_PART` is 3), client-side errors are negative and their names start
/// with an underscore (`_TRANSPORT`, `_ALL_BROKERS_DOWN`, `_TIMED_OUT`).
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` raw value.
    public var code: Int32
    /// librdkafka's name for `code` (`rd_kafka_err2name`), e.g. `_TRANSPORT`.
    public var name: String
    /// What went wrong, in librdkafka's words where it gave any.
    public var message: String
    /// The client instance is unusable: it must be closed and created anew.
    public var isFatal: Bool
    /// Trying the same operation again may succeed (a broker down, a leader moving).
    public var isRetriable: Bool
    /// The topic concerned, where there is one.
    public var topic: String?
    /// The partition concerned, where there is one.
    public var partition: Int32?

    public init(
        code: Int32, name: String, message: String, isFatal: Bool = false, isRetriable: Bool = false,
        topic: String? = nil, partition: Int32? = nil
    ) {
        self.code = code
        self.name = name
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.topic = topic
        self.partition = partition
    }

    public var description: String {
        var text = "\(message) (\(name))"
        switch (topic, partition) {
        case let (topic?, partition?): text += " [\(topic)/\(partition)]"
        case let (topic?, nil): text += " [\(topic)]"
        default: break
        }
        if isFatal { text += " [fatal]" }
        return text
    }
}
