import CRdKafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension KafkaMessageView {
    /// The headers in order, names decoded as UTF-8; empty when there are none. A null
    /// header value is `nil`. Values are borrowed like `value`.
    public func headers() -> [(name: String, value: UnsafeRawBufferPointer?)] {
        var headers: [(name: String, value: UnsafeRawBufferPointer?)] = []
        forEachHeader { name, value in
            headers.append((String(decoding: name, as: UTF8.self), value))
        }
        return headers
    }

    /// Visits the headers in order without allocating: the name's bytes and the value
    /// (`nil` when null), both borrowed.
    public func forEachHeader(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) throws -> Void) rethrows {
        var list: OpaquePointer?
        // _NOENT: the message has no headers.
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let nameBytes = name.map { UnsafeRawBufferPointer(start: $0, count: strlen($0)) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            try body(nameBytes, value.map { UnsafeRawBufferPointer(start: $0, count: size) })
            index += 1
        }
    }
}
