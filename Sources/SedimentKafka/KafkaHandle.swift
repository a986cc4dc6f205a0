import CRdKafka

/// Creates `rd_kafka_t` handles from string configurations: the one place that owns a
/// `rd_kafka_conf_t` and hands it over.
enum KafkaHandle {
    /// A configuration object with every key set, in key order so that a failure is
    /// reproducible. The caller owns the result (until `rd_kafka_new` succeeds).
    static func makeConfiguration(_ configuration: [String: String]) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var reason = [CChar](repeating: 0, count: 512)
        for key in configuration.keys.sorted() {
            let result = rd_kafka_conf_set(conf, key, configuration[key]!, &reason, reason.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                // The value is left out: it may be a password.
                throw KafkaError.invalidArgument(
                    "cannot set Kafka configuration '\(key)': \(String(cBuffer: reason))")
            }
        }
        return conf
    }

    /// `rd_kafka_new`, which takes ownership of `conf` only when it succeeds: on failure
    /// the conf is destroyed here.
    static func make(_ type: rd_kafka_type_t, conf: OpaquePointer) throws -> OpaquePointer {
        var reason = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &reason, reason.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.invalidArgument("cannot create the Kafka client: \(String(cBuffer: reason))")
        }
        return rk
    }
}
