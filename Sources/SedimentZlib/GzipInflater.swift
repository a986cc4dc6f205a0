import CZlib
import SedimentDeflate

/// Inflates gzip data held in memory: one member or several concatenated, as gzip(1)
/// reads them. A window query hands it exactly the members its range needs.
public enum GzipInflater {
    /// The decompressed bytes of every member in `input`, by zlib, whatever their size:
    /// `sizeHint` only sizes the first allocation. zlib names what is wrong where
    /// libdeflate (`decompress(_:into:)`) only refuses.
    public static func decompress(_ input: UnsafeRawBufferPointer, sizeHint: Int = 0) throws -> [UInt8] {
        try GzipMember.withStream(end: { inflateEnd($0) }) { stream in try inflateAll(input, sizeHint: sizeHint, stream) }
    }

    /// Inflates `input` into `output` when it holds exactly `output.count` bytes, as the
    /// index records a member's size; false when it does not, or libdeflate refuses it
    /// (`decompress` then names what is wrong).
    public static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        output.count > 0 && GzipMembersInflate.inflate(input, into: output)
    }

    private static func inflateAll(_ input: UnsafeRawBufferPointer, sizeHint: Int, _ stream: UnsafeMutablePointer<z_stream>) throws -> [UInt8] {
        var status = sediment_inflate_init_gzip(stream)
        guard status == Z_OK else { throw GzipMember.error("inflateInit2", status, stream) }
        var output = [UInt8](repeating: 0, count: max(sizeHint, 4 * input.count, 4096))
        var produced = 0
        var consumed = 0
        while consumed < input.count {
            if produced == output.count { output += [UInt8](repeating: 0, count: output.count) }
            let step = GzipMember.inflateStep(stream, input: input, from: consumed, into: &output, at: produced)
            status = step.0
            consumed += step.1
            produced += step.2
            switch status {
            case Z_STREAM_END:
                // Another member may follow: start over on the rest of the input.
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw GzipMember.error("inflateReset", reset, stream) }
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress with room to write means the input ended inside a member.
                if step.1 == 0 && step.2 == 0 && produced < output.count {
                    throw ZlibError(operation: "inflate", code: status, message: "the gzip data ends inside a member")
                }
            default:
                throw GzipMember.error("inflate", status, stream)
            }
        }
        if status != Z_STREAM_END && !input.isEmpty {
            throw ZlibError(operation: "inflate", code: status, message: "the gzip data ends inside a member")
        }
        output.removeSubrange(produced...)
        return output
    }
}
