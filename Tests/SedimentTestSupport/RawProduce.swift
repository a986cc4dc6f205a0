import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes one record batch straight to a Kafka broker with the wire protocol (Produce v3,
/// record batch v2), with the timestamp type the caller asks for.
///
/// The one way to get a LogAppendTime batch into librdkafka's mock cluster: its topics
/// have no configuration, and its producer API stamps CreateTime. The mock stores a batch
/// as it was sent, so consumers read it as a broker-stamped LogAppendTime batch: every
/// record with the batch's max timestamp.
public enum RawProduce {
    public struct Record {
        public var key: [UInt8]?
        public var value: [UInt8]?
        public var headers: [(String, [UInt8]?)]

        public init(key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8]?)] = []) {
            self.key = key
            self.value = value
            self.headers = headers
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends the records as one batch to `broker` ("host:port" on loopback, the partition's
    /// leader) and waits for the acknowledgement; throws unless the broker answers with no error.
    public static func send(
        _ records: [Record], topic: String, partition: Int32, timestamp: Int64, logAppendTime: Bool, broker: String
    ) throws {
        let batch = recordBatch(records, timestamp: timestamp, logAppendTime: logAppendTime)
        var body = Wire()
        body.int16(-1)  // transactional id: none
        body.int16(1)  // acks
        body.int32(10_000)  // timeout ms
        body.int32(1)
        body.string(topic)
        body.int32(1)
        body.int32(partition)
        body.int32(Int32(batch.count))
        body.bytes(batch)
        var request = Wire()
        request.int16(0)  // Produce
        request.int16(3)
        request.int32(1)  // correlation id
        request.string("sediment-tests")
        request.bytes(body.data)
        var framed = Wire()
        framed.int32(Int32(request.data.count))
        framed.bytes(request.data)

        let response = try exchange(framed.data, broker: broker)
        // correlation id, topics [name, partitions [index, error code, base offset, ...]]
        var reader = WireReader(response)
        _ = try reader.int32()
        guard try reader.int32() == 1 else { throw Failure(description: "Produce: unexpected topic count") }
        _ = try reader.string()
        guard try reader.int32() == 1 else { throw Failure(description: "Produce: unexpected partition count") }
        _ = try reader.int32()
        let code = try reader.int16()
        guard code == 0 else { throw Failure(description: "Produce answered error code \(code)") }
    }

    static func recordBatch(_ records: [Record], timestamp: Int64, logAppendTime: Bool) -> [UInt8] {
        var encoded = Wire()
        for (index, record) in records.enumerated() {
            var body = Wire()
            body.int8(0)  // attributes
            body.varint(0)  // timestamp delta
            body.varint(Int64(index))  // offset delta
            body.nullableVarintBytes(record.key)
            body.nullableVarintBytes(record.value)
            body.varint(Int64(record.headers.count))
            for (name, value) in record.headers {
                body.nullableVarintBytes(Array(name.utf8))
                body.nullableVarintBytes(value)
            }
            encoded.varint(Int64(body.data.count))
            encoded.bytes(body.data)
        }
        // What the CRC covers: from the attributes to the end.
        var covered = Wire()
        covered.int16(logAppendTime ? 0x08 : 0)
        covered.int32(Int32(records.count - 1))  // last offset delta
        covered.int64(timestamp)  // first timestamp
        covered.int64(timestamp)  // max timestamp
        covered.int64(-1)  // producer id
        covered.int16(-1)  // producer epoch
        covered.int32(-1)  // base sequence
        covered.int32(Int32(records.count))
        covered.bytes(encoded.data)
        var batch = Wire()
        batch.int64(0)  // base offset: the broker assigns it
        batch.int32(Int32(4 + 1 + 4 + covered.data.count))  // length after this field
        batch.int32(-1)  // partition leader epoch
        batch.int8(2)  // magic
        batch.int32(Int32(bitPattern: CRC32C.checksum(covered.data)))
        batch.bytes(covered.data)
        return batch.data
    }

    private static func exchange(_ request: [UInt8], broker: String) throws -> [UInt8] {
        guard let port = broker.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw Failure(description: "not host:port: \(broker)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        Socket.setTimeout(fd, seconds: 10)
        var address = Socket.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "cannot connect to \(broker): \(errno)") }
        guard Socket.writeAll(fd, Data(request)) else { throw Failure(description: "cannot send to \(broker)") }
        var header = WireReader(try receive(fd, count: 4))
        let size = try header.int32()
        return try receive(fd, count: Int(size))
    }

    private static func receive(_ fd: Int32, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "the broker closed the connection or timed out") }
            done += n
        }
        return bytes
    }
}

/// Big-endian Kafka protocol encoding, and the zigzag varints of record batches.
struct Wire {
    var data: [UInt8] = []

    mutating func int8(_ value: Int8) { data.append(UInt8(bitPattern: value)) }
    mutating func int16(_ value: Int16) { withUnsafeBytes(of: value.bigEndian) { data += $0 } }
    mutating func int32(_ value: Int32) { withUnsafeBytes(of: value.bigEndian) { data += $0 } }
    mutating func int64(_ value: Int64) { withUnsafeBytes(of: value.bigEndian) { data += $0 } }
    mutating func bytes(_ bytes: [UInt8]) { data += bytes }

    mutating func string(_ value: String) {
        int16(Int16(value.utf8.count))
        data += Array(value.utf8)
    }

    mutating func varint(_ value: Int64) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            data.append(UInt8(zigzag & 0x7F) | 0x80)
            zigzag >>= 7
        }
        data.append(UInt8(zigzag))
    }

    mutating func nullableVarintBytes(_ bytes: [UInt8]?) {
        guard let bytes else { return varint(-1) }
        varint(Int64(bytes.count))
        data += bytes
    }
}

struct WireReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func int16() throws -> Int16 { Int16(bitPattern: UInt16(try take(2))) }
    mutating func int32() throws -> Int32 { Int32(bitPattern: UInt32(try take(4))) }

    mutating func string() throws -> String {
        let count = Int(try int16())
        guard count >= 0, position + count <= bytes.count else { throw RawProduce.Failure(description: "short response") }
        defer { position += count }
        return String(decoding: bytes[position..<position + count], as: UTF8.self)
    }

    private mutating func take(_ count: Int) throws -> UInt64 {
        guard position + count <= bytes.count else { throw RawProduce.Failure(description: "short response") }
        defer { position += count }
        return bytes[position..<position + count].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// CRC-32C (Castagnoli), the checksum of Kafka record batches.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}
