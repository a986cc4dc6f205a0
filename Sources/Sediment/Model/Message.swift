/// How Kafka stamped a message's timestamp. Raw values are the on-disk codes.
public enum TimestampType: UInt8, Sendable, Hashable, CaseIterable {
    case notAvailable = 0
    case createTime = 1
    case logAppendTime = 2

    /// The names kcat prints in its `tstype` field, which Sediment's JSON lines reuse.
    public var name: String {
        switch self {
        case .notAvailable: "none"
        case .createTime: "create"
        case .logAppendTime: "logappend"
        }
    }

    public init?(name: String) {
        switch name {
        case "none", "notavailable", "unknown": self = .notAvailable
        case "create", "createtime", "CreateTime": self = .createTime
        case "logappend", "logappendtime", "LogAppendTime": self = .logAppendTime
        default: return nil
        }
    }
}

public struct Header: Sendable, Hashable {
    public var name: String
    /// Kafka allows a header without a value; `nil` keeps that apart from an empty value.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// One Kafka record, as Sediment stores it: every field Kafka carries, byte for byte.
public struct Message: Sendable, Hashable {
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    public var timestampType: TimestampType
    public var key: [UInt8]?
    public var headers: [Header]
    /// `nil` is a tombstone, kept apart from an empty value.
    public var value: [UInt8]?

    public init(
        partition: Int32 = 0,
        offset: Int64,
        timestamp: Int64,
        timestampType: TimestampType = .createTime,
        key: [UInt8]? = nil,
        headers: [Header] = [],
        value: [UInt8]?
    ) {
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.timestampType = timestampType
        self.key = key
        self.headers = headers
        self.value = value
    }
}
