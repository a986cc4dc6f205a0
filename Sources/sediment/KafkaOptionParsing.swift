import Sediment

/// `--kafka-option key=value`, repeated, as librdkafka settings.
func parseKafkaOptions(_ options: [String]) throws -> [String: String] {
    var parsed: [String: String] = [:]
    for option in options {
        guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
            throw SedimentError(.invalidArgument, "cannot read --kafka-option '\(option)': use key=value, e.g. security.protocol=SASL_SSL")
        }
        parsed[String(option[..<equals])] = String(option[option.index(after: equals)...])
    }
    return parsed
}
