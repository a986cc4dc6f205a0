/// Messages of one topic written to an unnamed temporary file by `OffsetOrderSort`, in the
/// order they were appended, and read back once, in that order.
///
/// Each message is its partition (i32, little-endian) followed by its segment record
/// frame (`RecordFormat`), whose CRC catches a temporary file changed under the sort.
final class SpilledRun {
    private let file: SystemFile
    private var size: Int64 = 0
    private var buffer: [UInt8] = []
    /// Reading: the file position `buffer` ends at, and how much of `buffer` is consumed.
    private var readPosition: Int64 = 0
    private var consumed = 0
    static let chunkSize = 128 << 10

    init(directory: String) throws {
        file = try SystemFile.unnamed(in: directory)
    }

    func append(_ message: Message) throws {
        buffer.appendLittleEndian(message.partition)
        RecordFormat.append(message, to: &buffer)
        if buffer.count >= 8 * Self.chunkSize { try flush() }
    }

    /// Writes what `append` still holds; call once, before the first `next`.
    func finishWriting() throws {
        try flush()
        buffer = []
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try file.write($0, at: size) }
        size += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// The next message appended, or nil after the last.
    func next() throws -> Message? {
        while true {
            if buffer.count - consumed >= 4 {
                let frame = buffer.withUnsafeBytes { raw -> RecordDecoder.Frame in
                    let partition = raw.loadLittleEndian(Int32.self, at: consumed)
                    return RecordDecoder.decodeFrame(UnsafeRawBufferPointer(rebasing: raw[(consumed + 4)...]), partition: partition)
                }
                switch frame {
                case .record(let message, let size):
                    consumed += 4 + size
                    return message
                case .incomplete:
                    break
                case .corrupt(let reason):
                    throw SedimentError(.io, "the sort's temporary file \(file.path) changed under it: \(reason)", context: ["path": file.path])
                }
            }
            guard readPosition < size else {
                if consumed == buffer.count { return nil }
                throw SedimentError(.io, "the sort's temporary file \(file.path) ends inside a message", context: ["path": file.path])
            }
            try refill()
        }
    }

    private func refill() throws {
        buffer.removeSubrange(0..<consumed)
        consumed = 0
        let kept = buffer.count
        let wanted = Int(min(Int64(Self.chunkSize), size - readPosition))
        buffer.append(contentsOf: repeatElement(0, count: wanted))
        let got = try buffer.withUnsafeMutableBytes { raw in
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[kept...]), at: readPosition)
        }
        guard got == wanted else {
            throw SedimentError(.io, "the sort's temporary file \(file.path) is shorter than what was written to it", context: ["path": file.path])
        }
        readPosition += Int64(got)
    }
}
