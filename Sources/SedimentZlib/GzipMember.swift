import CZlib
import SedimentDeflate

/// One complete gzip member (RFC 1952 header, raw deflate, CRC-32 and size trailer) made
/// from one buffer. Concatenated members are one valid gzip stream for every reader, and
/// each member can be inflated alone: that is what makes a window file seekable.
///
/// The deflate stream is libdeflate's (`RawDeflate`: a whole buffer is its one case, at
/// about three times zlib's speed); the header is zlib's own gzip header (mtime 0, no
/// name, OS 3) and the trailer carries the folded CRC-32, so the same input and level
/// always give the same member.
public enum GzipMember {
    static let headerSize = 10
    static let trailerSize = 8

    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        let bound = RawDeflate.bound(input.count) + headerSize + trailerSize
        // Uninitialized: every byte kept is written, and zero-filling 1 MiB per member showed.
        return try [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            writeHeader(level: level, into: out)
            let body = UnsafeMutableRawBufferPointer(rebasing: out[headerSize..<(out.count - trailerSize)])
            let end = headerSize + (try RawDeflate.compress(input, level: level, into: body))
            out.storeBytes(of: CRC32.checksum(input).littleEndian, toByteOffset: end, as: UInt32.self)
            out.storeBytes(of: UInt32(truncatingIfNeeded: input.count).littleEndian, toByteOffset: end + 4, as: UInt32.self)
            initialized = end + trailerSize
        }
    }

    /// zlib's default header: magic, deflate, no flags, mtime 0, its extra flags for the
    /// level, and Unix as the OS.
    private static func writeHeader(level: Int32, into out: UnsafeMutableRawBufferPointer) {
        let extraFlags: UInt8 = level == 9 ? 2 : (level < 2 ? 4 : 0)
        let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, extraFlags, 3]
        for (index, byte) in header.enumerated() { out[index] = byte }
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

    /// One `inflate` call from `input[consumed...]` into `output[produced...]`: the status,
    /// and how many bytes it consumed and produced. Shared by the whole-buffer inflater and
    /// the member scanner, which differ only in what they do at a member's end.
    static func inflateStep(
        _ stream: UnsafeMutablePointer<z_stream>, input: UnsafeRawBufferPointer, from consumed: Int,
        into output: inout [UInt8], at produced: Int
    ) -> (status: Int32, consumed: Int, produced: Int) {
        output.withUnsafeMutableBytes { out in
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: input.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count - consumed)
            stream.pointee.next_out = out.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(out.count - produced)
            let result = inflate(stream, Z_NO_FLUSH)
            return (result, input.count - consumed - Int(stream.pointee.avail_in), out.count - produced - Int(stream.pointee.avail_out))
        }
    }

    static func error(_ operation: String, _ code: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> ZlibError {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(code)"
        return ZlibError(operation: operation, code: code, message: message)
    }
}
