import SedimentZlib

/// The frame of one record in a segment file. All integers are little-endian.
///
/// ```
/// u32  body length (bytes after the CRC)
/// u32  CRC-32 of the body (zlib crc32)
/// body:
///   i64  offset
///   i64  timestamp, milliseconds since the Unix epoch
///   u8   timestamp type (0 none, 1 CreateTime, 2 LogAppendTime)
///   i32  key length, -1 for a null key; then the key bytes
///   u32  header count; then per header:
///          u32 name length, name bytes (UTF-8),
///          i32 value length, -1 for a null value; then the value bytes
///   i32  value length, -1 for a null value (a tombstone); then the value bytes
/// ```
///
/// A segment file is nothing but these frames back to back; a torn tail is a frame
/// whose length runs past the end of the file or whose CRC does not match.
enum RecordFormat {
    static let frameHeaderSize = 8
    static let fixedBodySize = 8 + 8 + 1 + 4 + 4 + 4
    /// Guards the reader against a corrupt length field asking for gigabytes.
    static let maximumBodySize = 1 << 30

    static func bodySize(key: Int?, headers: [Header], value: Int?) -> Int {
        var size = fixedBodySize + (key ?? 0) + (value ?? 0)
        for header in headers {
            size += 8 + header.name.utf8.count + (header.value?.count ?? 0)
        }
        return size
    }

    /// Appends one framed record to `buffer` with its CRC field still zero; `seal` fills
    /// it in, so that the checksum can be computed on another thread than the framing.
    /// Returns the number of bytes appended.
    @discardableResult
    static func appendUnsealed(
        offset: Int64,
        timestamp: Int64,
        timestampType: TimestampType,
        key: UnsafeRawBufferPointer?,
        headers: [Header],
        value: UnsafeRawBufferPointer?,
        to buffer: inout [UInt8]
    ) -> Int {
        let body = bodySize(key: key?.count, headers: headers, value: value?.count)
        let start = buffer.count
        let needed = start + frameHeaderSize + body
        // Grow geometrically: reserveCapacity with the exact size would copy on every record.
        if buffer.capacity < needed { buffer.reserveCapacity(max(needed, buffer.capacity * 2)) }
        buffer.appendLittleEndian(UInt32(body))
        buffer.appendLittleEndian(UInt32(0))
        buffer.appendLittleEndian(offset)
        buffer.appendLittleEndian(timestamp)
        buffer.append(timestampType.rawValue)
        buffer.appendNullable(key)
        buffer.appendLittleEndian(UInt32(headers.count))
        for header in headers {
            var name = header.name
            name.withUTF8 { utf8 in
                buffer.appendLittleEndian(UInt32(utf8.count))
                buffer.append(contentsOf: utf8)
            }
            if let headerValue = header.value {
                headerValue.withUnsafeBytes { buffer.appendNullable($0) }
            } else {
                buffer.appendNullable(nil)
            }
        }
        buffer.appendNullable(value)
        return frameHeaderSize + body
    }

    /// Computes and stores the CRC of every frame in `frames`, which holds whole frames only.
    static func seal(_ frames: UnsafeMutableRawBufferPointer) {
        var position = 0
        while position + frameHeaderSize <= frames.count {
            let body = Int(UnsafeRawBufferPointer(frames).loadLittleEndian(UInt32.self, at: position))
            let start = position + frameHeaderSize
            let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: frames[start..<start + body]))
            frames.storeBytes(of: crc.littleEndian, toByteOffset: position + 4, as: UInt32.self)
            position = start + body
        }
    }

    /// Appends one framed, sealed record.
    @discardableResult
    static func append(_ message: Message, to buffer: inout [UInt8]) -> Int {
        let start = buffer.count
        let size = appendUnsealed(message, to: &buffer)
        buffer.withUnsafeMutableBytes { seal(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        return size
    }

    static func appendUnsealed(_ message: Message, to buffer: inout [UInt8]) -> Int {
        func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
            guard let bytes else { return body(nil) }
            return bytes.withUnsafeBytes { body($0) }
        }
        return withOptionalBytes(message.key) { key in
            withOptionalBytes(message.value) { value in
                appendUnsealed(
                    offset: message.offset, timestamp: message.timestamp, timestampType: message.timestampType,
                    key: key, headers: message.headers, value: value, to: &buffer)
            }
        }
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func appendNullable(_ bytes: UnsafeRawBufferPointer?) {
        guard let bytes else {
            appendLittleEndian(Int32(-1))
            return
        }
        appendLittleEndian(Int32(bytes.count))
        append(contentsOf: bytes)
    }
}
