import NIOCore

/// A file range as an async sequence of buffers, for streaming request bodies.
///
/// Each `next()` reads one chunk (`FileReader.chunkSize`, 256 KiB) on NIO's thread
/// pool. AsyncHTTPClient pulls the next chunk only once the previous one was written,
/// so a request in flight holds a few chunks, never the whole range. A new iterator
/// reopens the file, so a retried request streams the range again from its start.
struct FileChunkSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let offset: Int64
    let length: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var position: Int64
        let end: Int64
        var reader: FileReader?

        mutating func next() async throws -> ByteBuffer? {
            guard position < end else { return nil }
            let count = Int(Swift.min(Int64(FileReader.chunkSize), end - position))
            let reader = try await openedReader()
            let start = position
            let buffer = try await BlockingIO.run {
                var buffer = ByteBufferAllocator().buffer(capacity: count)
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
                    try reader.read(into: bytes, count: count, at: start)
                    return count
                }
                return buffer
            }
            position += Int64(count)
            return buffer
        }

        private mutating func openedReader() async throws -> FileReader {
            if let reader { return reader }
            let path = self.path
            let opened = try await BlockingIO.run { try FileReader(path: path) }
            reader = opened
            return opened
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(path: path, position: offset, end: offset + length, reader: nil)
    }
}
