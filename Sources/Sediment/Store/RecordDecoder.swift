import SedimentZlib

/// Reads framed records (see `RecordFormat`) out of a buffer of segment bytes.
struct RecordDecoder {
    enum Frame {
        /// A complete record whose CRC matched, and the bytes it took.
        case record(Message, size: Int)
        /// The buffer ends inside a frame: a torn tail, or a read that stopped short.
        case incomplete
        /// A frame that is complete but whose CRC or layout is wrong.
        case corrupt(String)
    }

    /// The size of the frame at the start of `bytes` when its length field is in range and
    /// the frame fits in `bytes`, whatever its CRC says; nil otherwise.
    static func frameSize(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= RecordFormat.frameHeaderSize else { return nil }
        let bodyLength = Int(bytes.loadLittleEndian(UInt32.self, at: 0))
        guard bodyLength >= RecordFormat.fixedBodySize, bodyLength <= RecordFormat.maximumBodySize else { return nil }
        let size = RecordFormat.frameHeaderSize + bodyLength
        return size <= bytes.count ? size : nil
    }

    enum CheckedFrame {
        /// Where the body of a complete frame whose CRC matched lies; it ends where the frame does.
        case body(Range<Int>)
        case incomplete
        case corrupt(String)
    }

    /// Checks the length and CRC of the frame at the start of `bytes`, without decoding it.
    static func checkFrame(_ bytes: UnsafeRawBufferPointer) -> CheckedFrame {
        guard bytes.count >= RecordFormat.frameHeaderSize else { return .incomplete }
        let bodyLength = Int(bytes.loadLittleEndian(UInt32.self, at: 0))
        let storedCRC = bytes.loadLittleEndian(UInt32.self, at: 4)
        guard bodyLength >= RecordFormat.fixedBodySize, bodyLength <= RecordFormat.maximumBodySize else {
            return .corrupt("record length \(bodyLength) is out of range")
        }
        let size = RecordFormat.frameHeaderSize + bodyLength
        guard bytes.count >= size else { return .incomplete }
        let body = RecordFormat.frameHeaderSize..<size
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[body])) == storedCRC else { return .corrupt("CRC mismatch") }
        return .body(body)
    }

    /// Decodes the frame at the start of `bytes`, for `partition`.
    static func decodeFrame(_ bytes: UnsafeRawBufferPointer, partition: Int32) -> Frame {
        let range: Range<Int>
        switch checkFrame(bytes) {
        case .body(let body): range = body
        case .incomplete: return .incomplete
        case .corrupt(let reason): return .corrupt(reason)
        }
        let size = range.upperBound
        var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[range]))
        guard let message = cursor.readMessage(partition: partition), cursor.isAtEnd else {
            return .corrupt("record body does not match its length")
        }
        return .record(message, size: size)
    }
}

/// A bounds-checked reader over a record body; every read returns nil past the end.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { return nil }
        defer { position += size }
        return bytes.loadLittleEndian(T.self, at: position)
    }

    mutating func readBytes(count: Int) -> [UInt8]? {
        guard count >= 0, position + count <= bytes.count else { return nil }
        defer { position += count }
        // One allocation and a memcpy: the generic collection copy costs several times more,
        // and every key and value of every message read comes through here.
        let source = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            initialized = count
        }
    }

    /// Reads an i32-length-prefixed byte string; the outer optional is failure, the inner is null.
    mutating func readNullable() -> [UInt8]?? {
        guard let length = read(Int32.self) else { return nil }
        if length == -1 { return .some(nil) }
        guard let value = readBytes(count: Int(length)) else { return nil }
        return .some(value)
    }

    mutating func readMessage(partition: Int32) -> Message? {
        guard let offset = read(Int64.self), let timestamp = read(Int64.self),
            let typeCode = read(UInt8.self), let timestampType = TimestampType(rawValue: typeCode),
            let key = readNullable(), let headerCount = read(UInt32.self)
        else { return nil }
        var headers: [Header] = []
        if headerCount > 0 {
            guard Int(headerCount) <= bytes.count - position else { return nil }
            headers.reserveCapacity(Int(headerCount))
            for _ in 0..<headerCount {
                guard let nameLength = read(UInt32.self), let name = readBytes(count: Int(nameLength)),
                    let value = readNullable()
                else { return nil }
                headers.append(Header(name: String(decoding: name, as: UTF8.self), value: value))
            }
        }
        guard let value = readNullable() else { return nil }
        return Message(
            partition: partition, offset: offset, timestamp: timestamp, timestampType: timestampType,
            key: key, headers: headers, value: value)
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadLittleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
