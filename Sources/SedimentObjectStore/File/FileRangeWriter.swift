import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes into an existing file from a given position on: one range of an object
/// downloaded in concurrent parts, each part to its own place in the same file. Nothing
/// is fsynced here: the caller syncs the file once every part is in.
final class FileRangeWriter: @unchecked Sendable {
    // @unchecked: used by one download at a time, each call after the one before.
    static let batch = DownloadSink.batch

    let path: String
    private let fd: Int32
    private var position: Int64
    private(set) var written: Int64 = 0

    init(path: String, at position: Int64) throws {
        self.path = path
        self.position = position
        fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileWriter.failure("cannot open", path) }
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(position))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FileWriter.failure("cannot write", path) }
            done += n
            position += Int64(n)
        }
        written += Int64(bytes.count)
    }

    func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { try write($0) }
    }
}
