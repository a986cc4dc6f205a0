/// What the brokers said of one produced message.
public struct DeliveryReport: Sendable {
    /// The value given to `produce`.
    public var opaque: UInt64
    public var partition: Int32
    /// The offset the message got; meaningless when `error` is set.
    public var offset: Int64
    /// The key's and the value's bytes.
    public var bytes: Int
    public var error: KafkaError?

    public init(opaque: UInt64, partition: Int32, offset: Int64, bytes: Int, error: KafkaError? = nil) {
        self.opaque = opaque
        self.partition = partition
        self.offset = offset
        self.bytes = bytes
        self.error = error
    }
}
