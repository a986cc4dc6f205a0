/// Where a message's timestamp comes from: the producer (`createTime`) or the broker when
/// it appended the message (`logAppendTime`, a topic setting).
public enum KafkaTimestampType: Sendable, Hashable {
    case notAvailable
    case createTime
    case logAppendTime
}
