import CZlib

/// Walks the gzip members of a stream fed in chunks, handing each member's bytes and
/// where it lies: how a window object without a manifest gets its member index back.
/// Memory is one member's output; a member inflating past `maxMemberOutput` is refused.
public final class GzipMemberScanner {
    public struct Member {
        public var offset: Int64
        public var length: Int
        public var output: [UInt8]
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let maxMemberOutput: Int
    private var output: [UInt8] = []
    private var produced = 0
    private var memberStart: Int64 = 0
    private var consumedTotal: Int64 = 0
    private var inMember = false

    public init(maxMemberOutput: Int = 256 << 20) throws {
        self.maxMemberOutput = maxMemberOutput
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = sediment_inflate_init_gzip(stream)
        guard status == Z_OK else {
            let error = GzipMember.error("inflateInit2", status, stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Feeds the next bytes of the stream; `member` gets each member completed by them.
    public func feed(_ input: UnsafeRawBufferPointer, member: (Member) throws -> Void) throws {
        var consumed = 0
        while consumed < input.count {
            if !inMember {
                inMember = true
                memberStart = consumedTotal
                produced = 0
            }
            if produced == output.count { output += [UInt8](repeating: 0, count: max(output.count, 1 << 20)) }
            let step = GzipMember.inflateStep(stream, input: input, from: consumed, into: &output, at: produced)
            consumed += step.1
            consumedTotal += Int64(step.1)
            produced += step.2
            guard produced <= maxMemberOutput else {
                throw ZlibError(operation: "inflate", code: Z_DATA_ERROR, message: "the member at byte \(memberStart) inflates past \(maxMemberOutput) bytes")
            }
            switch step.0 {
            case Z_STREAM_END:
                inMember = false
                try member(Member(offset: memberStart, length: Int(consumedTotal - memberStart), output: Array(output[0..<produced])))
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw GzipMember.error("inflateReset", reset, stream) }
            case Z_OK, Z_BUF_ERROR:
                continue
            default:
                throw ZlibError(
                    operation: "inflate", code: step.0,
                    message: "the member at byte \(memberStart) is not gzip: " + (stream.pointee.msg.map { String(cString: $0) } ?? "code \(step.0)"))
            }
        }
    }

    /// Call at the end of the stream: a member left open means it was cut short.
    public func finish() throws {
        guard !inMember else {
            throw ZlibError(operation: "inflate", code: Z_BUF_ERROR, message: "the data ends inside the member that starts at byte \(memberStart)")
        }
    }
}
