/// Reads a segment file's records front to back, up to `limit` bytes, through one buffer:
/// memory stays at the buffer (or the largest record) whatever the file's size.
final class SegmentFrameReader {
    enum Next {
        case record(Message, size: Int)
        /// No more bytes below the limit.
        case end
        /// A frame whose length runs past the limit.
        case incomplete(length: Int)
        case corrupt(String)
    }

    private let file: SystemFile
    private let limit: Int64
    private let partition: Int32
    private var buffer: [UInt8]
    /// The file position of `buffer[0]`, and how many bytes from there the buffer holds.
    private var bufferStart: Int64 = 0
    private var bufferCount = 0
    /// Where the next frame starts.
    private(set) var position: Int64 = 0

    init(file: SystemFile, limit: Int64, partition: Int32, bufferSize: Int = 4 << 20) {
        self.file = file
        self.limit = limit
        self.partition = partition
        buffer = [UInt8](repeating: 0, count: bufferSize)
    }

    func next() throws -> Next {
        guard position < limit else { return .end }
        guard try fill(RecordFormat.frameHeaderSize) else { return .incomplete(length: Int(limit - position)) }
        let body = buffer.withUnsafeBytes { Int($0.loadLittleEndian(UInt32.self, at: Int(position - bufferStart))) }
        // Past the maximum, decodeFrame names the length as corrupt without reading it.
        if body <= RecordFormat.maximumBodySize {
            let size = RecordFormat.frameHeaderSize + body
            guard Int64(size) <= limit - position else { return .incomplete(length: size) }
            _ = try fill(size)
        }
        // After the fills: a fill may have moved the bytes to the front of the buffer.
        let start = Int(position - bufferStart)
        let frame = buffer.withUnsafeBytes { raw in
            RecordDecoder.decodeFrame(UnsafeRawBufferPointer(rebasing: raw[start..<bufferCount]), partition: partition)
        }
        switch frame {
        case .record(let message, let size):
            position += Int64(size)
            return .record(message, size: size)
        case .incomplete:
            return .incomplete(length: Int(limit - position))
        case .corrupt(let reason):
            return .corrupt(reason)
        }
    }

    /// The offset field of the frame at `position`, which its CRC has not vouched for.
    func unverifiedOffset() -> Int64? {
        let start = Int(position - bufferStart) + RecordFormat.frameHeaderSize
        guard start + 8 <= bufferCount else { return nil }
        return buffer.withUnsafeBytes { $0.loadLittleEndian(Int64.self, at: start) }
    }

    /// Makes the buffer hold `count` bytes from `position`, reading no further than the
    /// limit; false when the limit or the end of the file comes first.
    private func fill(_ count: Int) throws -> Bool {
        var start = Int(position - bufferStart)
        if bufferCount - start >= count { return true }
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: bufferCount - start)
            }
            bufferCount -= start
            bufferStart = position
            start = 0
        }
        if buffer.count < count { buffer.append(contentsOf: repeatElement(0, count: count - buffer.count)) }
        while bufferCount < count {
            let room = Int(min(Int64(buffer.count - bufferCount), limit - (bufferStart + Int64(bufferCount))))
            guard room > 0 else { return false }
            let got = try buffer.withUnsafeMutableBytes { raw in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[bufferCount..<bufferCount + room]), at: bufferStart + Int64(bufferCount))
            }
            guard got > 0 else { return false }
            bufferCount += got
        }
        return true
    }
}
