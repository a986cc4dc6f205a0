import CRdKafka

/// A consumed message, borrowed from librdkafka for the duration of one `poll` callback.
///
/// Zero-copy: `key`, `value` and header values point into librdkafka's fetch buffers and
/// are valid only inside the callback that received the view; copy what must outlive it.
/// The view itself must not be stored either (it is deliberately not `Sendable`).
public struct KafkaMessageView {
    let message: UnsafeMutablePointer<rd_kafka_message_t>
    /// Cached per topic handle by the consumer, so no String is built per message.
    public let topic: String
    public let timestamp: Int64
    public let timestampType: KafkaTimestampType

    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        self.message = message
        self.topic = topic
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: timestampType = .createTime
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: timestampType = .logAppendTime
        default: timestampType = .notAvailable
        }
        self.timestamp = timestampType == .notAvailable ? -1 : timestamp
    }

    public var partition: Int32 { message.pointee.partition }

    public var offset: Int64 { message.pointee.offset }

    /// `nil` for a null key; an empty buffer for an empty key.
    public var key: UnsafeRawBufferPointer? {
        message.pointee.key.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len) }
    }

    /// `nil` for a null value (a tombstone); an empty buffer for an empty value.
    public var value: UnsafeRawBufferPointer? {
        message.pointee.payload.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.len) }
    }
}
