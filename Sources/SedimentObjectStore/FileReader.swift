import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif


/// A read-only file descriptor, read with `pread` so that concurrent readers of
/// different ranges never share a file position. Closed when released.
final class FileReader: @unchecked Sendable {
    // @unchecked: `fd` is immutable and `pread` is safe to call from several threads.
    let path: String
    private let fd: Int32

    /// Size of the chunks read when hashing or streaming: bounds memory per reader.
    static let chunkSize = 256 << 10

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ObjectStoreError(.fileSystem, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ObjectStoreError(.fileSystem, message: "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        return Int64(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`; a short file is an error.
    func read(into buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: Int64) throws {
        var done = 0
        while done < count {
            let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n == 0 ? "unexpected end of file" : String(cString: strerror(errno))
                throw ObjectStoreError(.fileSystem, message: "cannot read \(path) at \(offset + Int64(done)): \(reason)")
            }
            done += n
        }
    }

    /// Calls `body` with successive chunks of the range, reusing one buffer.
    func forEachChunk(offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        let end = offset + length
        while position < end {
            let count = Int(min(Int64(Self.chunkSize), end - position))
            try read(into: buffer, count: count, at: position)
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            position += Int64(count)
        }
    }
}
