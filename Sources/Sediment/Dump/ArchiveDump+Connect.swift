import Logging
import SedimentKafka

#if canImport(Glibc)
import Glibc
#endif

extension ArchiveDump {
    func consumerConfiguration() -> [String: String] {
        var configuration = [
            "bootstrap.servers": options.brokers,
            // Where the group has no committed offset and the archive no position.
            "auto.offset.reset": options.start == .latest ? "latest" : "earliest",
        ]
        if let group = options.group {
            configuration["group.id"] = group
            configuration["partition.assignment.strategy"] = "range,roundrobin"
        }
        configuration.merge(options.kafkaOptions) { _, user in user }
        return configuration
    }

    /// The partitions of every topic, retrying with backoff while the brokers cannot be
    /// reached, up to `connectTimeout`. A topic that does not exist is an immediate error.
    func connect(_ consumer: KafkaConsumer, stop: DumpStop) throws -> [String: [Int32]] {
        let deadline = ContinuousClock.now + options.connectTimeout
        var delay = Duration.milliseconds(250)
        var partitions: [String: [Int32]] = [:]
        for topic in options.topics {
            while partitions[topic] == nil {
                do {
                    let remaining = deadline - ContinuousClock.now
                    // Short attempts, so that each failure is logged while librdkafka keeps reconnecting.
                    partitions[topic] = try consumer.partitions(of: topic, timeout: max(.milliseconds(100), min(.seconds(2), remaining)))
                } catch let error as KafkaError where error.name == "UNKNOWN_TOPIC_OR_PART" || error.name == "_UNKNOWN_TOPIC" {
                    throw SedimentError(
                        .notFound, "topic '\(topic)' does not exist on the Kafka cluster at \(options.brokers) (\(error.name))",
                        context: ["topic": topic], underlying: error)
                } catch let error as KafkaError where !error.isFatal {
                    guard ContinuousClock.now + delay < deadline, !stop.isRequested else {
                        throw SedimentError(
                            .kafkaUnreachable,
                            "cannot reach Kafka at \(options.brokers) within \(options.connectTimeout) (`connectTimeout`); last error: \(error.message)",
                            context: ["brokers": options.brokers], underlying: error)
                    }
                    logger.warning("cannot reach Kafka at \(options.brokers): \(error.message); retrying in \(delay)")
                    sleep(delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
        }
        return partitions
    }
}

func sleep(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
