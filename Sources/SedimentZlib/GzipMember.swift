import CZlib

/// One complete gzip member (RFC 1952 header, raw deflate, CRC-32 and size trailer) made
/// from one buffer. Concatenated members are one valid gzip stream for every reader, and
/// each member can be inflated alone: that is what makes a window file seekable.
///
/// The header is zlib's default (mtime 0, no name), so the same input and level always
/// give the same bytes.
public enum GzipMember {
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        try withStream(end: { deflateEnd($0) }) { stream in
            let status = sediment_deflate_init_gzip(stream, level)
            guard status == Z_OK else { throw error("deflateInit2", status, stream) }
            return try deflateAll(input, stream)
        }
    }

    private static func deflateAll(_ input: UnsafeRawBufferPointer, _ stream: UnsafeMutablePointer<z_stream>) throws -> [UInt8] {
        // deflateBound covers the zlib wrapper; the gzip header and trailer need 18 more.
        let bound = Int(deflateBound(stream, uLong(input.count))) + 32
        // Uninitialized: deflate writes every byte kept, and zero-filling 1 MiB per member showed.
        return try [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(out.count)
            let result = deflate(stream, Z_FINISH)
            guard result == Z_STREAM_END else { throw error("deflate", result, stream) }
            initialized = out.count - Int(stream.pointee.avail_out)
        }
    }

    public static func compress(_ input: [UInt8], level: Int32) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, level: level) }
    }

    /// A `z_stream` on the heap (zlib refuses one whose address moved), ended and freed
    /// whatever `body` does.
    static func withStream<T>(
        end: (UnsafeMutablePointer<z_stream>) -> Int32, _ body: (UnsafeMutablePointer<z_stream>) throws -> T
    ) throws -> T {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            _ = end(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        return try body(stream)
    }

    static func error(_ operation: String, _ code: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> ZlibError {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(code)"
        return ZlibError(operation: operation, code: code, message: message)
    }
}
