import CRdKafka

extension KafkaProducer {
    /// Queues one message; key, value and headers are copied, so the arrays may go away
    /// as soon as this returns. Delivery is confirmed (or not) by `flush`.
    ///
    /// - Parameters:
    ///   - partition: `nil` lets the configured partitioner choose (by key).
    ///   - key: `nil` produces a null key; `[]` an empty one.
    ///   - value: `nil` produces a null value (a tombstone); `[]` an empty one.
    ///   - headers: in order; a `nil` value produces a null header value.
    ///   - timestamp: milliseconds since the epoch, sent as CreateTime; `nil` means now.
    ///   - opaque: handed back in the message's `DeliveryReport`.
    /// When librdkafka's queue is full this serves delivery reports and retries until
    /// there is room (messages leave the queue when delivered or when they time out).
    public func produce(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
        headers: [(String, [UInt8]?)] = [], timestamp: Int64? = nil, opaque: UInt64 = 0
    ) throws {
        try Self.withOptionalBytes(key) { key in
            try Self.withOptionalBytes(value) { value in
                try produce(
                    topic: topic, partition: partition, key: key, value: value, headers: headers, timestamp: timestamp, opaque: opaque)
            }
        }
    }

    func produce(
        topic: String, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [(String, [UInt8]?)], timestamp: Int64?, opaque: UInt64
    ) throws {
        let rkt = try topicHandle(topic)
        // Application-owned until produceva succeeds (it leaves them to us on failure).
        let headerList = headers.isEmpty ? nil : Self.makeHeaders(headers)
        // On the stack: this runs once per message.
        try withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
            fields.initialize(repeating: rd_kafka_vu_t())
            fields[0].vtype = RD_KAFKA_VTYPE_RKT
            fields[0].u.rkt = rkt
            fields[1].vtype = RD_KAFKA_VTYPE_PARTITION
            fields[1].u.i32 = partition ?? -1  // RD_KAFKA_PARTITION_UA
            fields[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS
            fields[2].u.i = RD_KAFKA_MSG_F_COPY
            fields[3].vtype = RD_KAFKA_VTYPE_KEY
            fields[3].u.mem.ptr = key.map { UnsafeMutableRawPointer(mutating: $0.baseAddress ?? Self.emptyBytes) }
            fields[3].u.mem.size = key?.count ?? 0
            fields[4].vtype = RD_KAFKA_VTYPE_VALUE
            fields[4].u.mem.ptr = value.map { UnsafeMutableRawPointer(mutating: $0.baseAddress ?? Self.emptyBytes) }
            fields[4].u.mem.size = value?.count ?? 0
            fields[5].vtype = RD_KAFKA_VTYPE_TIMESTAMP
            fields[5].u.i64 = timestamp ?? 0  // 0: now
            fields[6].vtype = RD_KAFKA_VTYPE_OPAQUE
            fields[6].u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(opaque))
            var count = 7
            if let headerList {
                fields[7].vtype = RD_KAFKA_VTYPE_HEADERS
                fields[7].u.headers = headerList
                count = 8
            }
            while true {
                guard let error = rd_kafka_produceva(handle, fields.baseAddress, count) else { return }
                if rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    rd_kafka_error_destroy(error)
                    rd_kafka_poll(handle, 100)
                    continue
                }
                if let headerList { rd_kafka_headers_destroy(headerList) }
                throw KafkaError(consuming: error, topic: topic, partition: partition)
            }
        }
    }

    private static func makeHeaders(_ headers: [(String, [UInt8]?)]) -> OpaquePointer {
        let list = rd_kafka_headers_new(headers.count)!
        for (name, value) in headers {
            withOptionalBytes(value) { value in
                // Copies name and value; a NULL value is a null header.
                _ = rd_kafka_header_add(
                    list, name, -1, value.map { $0.baseAddress ?? emptyBytes }, value?.count ?? 0)
            }
        }
        return list
    }

    /// An empty array may have no base address, but librdkafka reads a NULL pointer as
    /// "null": empty keys, values and header values point here instead.
    /// Written never, so shared across threads safely.
    nonisolated(unsafe) private static let emptyBytes = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))

    private static func withOptionalBytes<R>(
        _ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R
    ) rethrows -> R {
        guard let bytes else { return try body(nil) }
        return try bytes.withUnsafeBytes { try body($0) }
    }
}
