/// One line of librdkafka's log.
public struct KafkaLogMessage: Sendable {
    /// syslog severity: 0 emergency, 3 error, 4 warning, 6 info, 7 debug.
    public var level: Int32
    /// librdkafka's facility, e.g. `FAIL`, `REQTMOUT`, `BROKER`.
    public var facility: String
    public var message: String

    public init(level: Int32, facility: String, message: String) {
        self.level = level
        self.facility = facility
        self.message = message
    }
}
