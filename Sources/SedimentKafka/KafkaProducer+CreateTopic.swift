import CRdKafka

extension KafkaProducer {
    /// Creates `topic` with `partitions` partitions through the admin API, waiting up to
    /// `timeout` for the controller's answer. `replicationFactor` -1 takes the brokers'
    /// default. A topic that exists already throws `TOPIC_ALREADY_EXISTS`.
    public func createTopic(_ topic: String, partitions: Int32, replicationFactor: Int32 = -1, timeout: Duration) throws {
        var reason = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(topic, partitions, replicationFactor, &reason, reason.count) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: "cannot describe topic '\(topic)': \(String(cString: reason))", topic: topic)
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout.timeoutMilliseconds, &reason, reason.count)
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeout.timeoutMilliseconds + 1000) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "no answer to creating topic '\(topic)' within \(timeout)", topic: topic)
        }
        defer { rd_kafka_event_destroy(event) }
        let code = rd_kafka_event_error(event)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code, message: "cannot create topic '\(topic)': \(String(cString: rd_kafka_event_error_string(event)))", topic: topic)
        }
        var count = 0
        if let result = rd_kafka_event_CreateTopics_result(event),
           let results = rd_kafka_CreateTopics_result_topics(result, &count) {
            for index in 0..<count {
                let entry = results[index]
                let error = rd_kafka_topic_result_error(entry)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    let message = rd_kafka_topic_result_error_string(entry).map { String(cString: $0) } ?? ""
                    throw KafkaError(error, message: "cannot create topic '\(topic)': \(message)", topic: topic)
                }
            }
        }
    }
}
