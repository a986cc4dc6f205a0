import SedimentObjectStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX file descriptor owned by one value; closed when the value goes away.
/// Used for segment files, where positional reads and writes and fsync matter.
final class SystemFile {
    let path: String
    private(set) var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { if descriptor >= 0 { _ = close(descriptor) } }

    static func openForReading(_ path: String) throws -> SystemFile {
        try open(path, flags: O_RDONLY | O_CLOEXEC)
    }

    static func openForAppending(_ path: String, create: Bool) throws -> SystemFile {
        try open(path, flags: O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0))
    }

    /// A new file in `directory` that no name leads to: unlinked as soon as it is open, so
    /// its space comes back when it is closed, even if the process is killed first.
    static func unnamed(in directory: String) throws -> SystemFile {
        var template = Array((directory + "/.sediment-sort-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in retryingOnInterrupt { mkstemp(buffer.baseAddress!) } }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard descriptor >= 0 else { throw SystemFile.error("cannot create a temporary file in", directory) }
        unlink(path)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return SystemFile(path: path, descriptor: descriptor)
    }

    private static func open(_ path: String, flags: Int32) throws -> SystemFile {
        let descriptor = retryingOnInterrupt { Glibc.open(path, flags, FilePermissions.ownerOnlyFile) }
        guard descriptor >= 0 else { throw SystemFile.error("cannot open", path) }
        return SystemFile(path: path, descriptor: descriptor)
    }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.error("cannot stat", path) }
        return Int64(info.st_size)
    }

    func write(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws {
        var done = 0
        while done < bytes.count {
            let written = retryingOnInterrupt {
                pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position) + off_t(done))
            }
            guard written > 0 else { throw Self.error("cannot write", path) }
            done += written
        }
    }

    /// Reads up to `count` bytes; fewer only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let got = retryingOnInterrupt {
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position) + off_t(done))
            }
            guard got >= 0 else { throw Self.error("cannot read", path) }
            if got == 0 { break }
            done += got
        }
        return done
    }

    func synchronize() throws {
        guard retryingOnInterrupt({ fsync(descriptor) }) == 0 else { throw Self.error("cannot fsync", path) }
    }

    /// Asks the kernel to start writing a range to disk now, without waiting: the fsync
    /// at the end of the batch then finds most of it written. Only a hint; errors surface
    /// at that fsync.
    func startWriteback(at position: Int64, count: Int) {
        _ = linuxSyncFileRange(descriptor, position, Int64(count), 2 /* SYNC_FILE_RANGE_WRITE */)
    }

    /// Flushes every file of the filesystem holding this one: one call instead of an fsync
    /// per file, when a batch wrote to hundreds of partitions.
    func synchronizeFileSystem() throws {
        guard retryingOnInterrupt({ linuxSyncfs(descriptor) }) == 0 else { throw Self.error("cannot syncfs", path) }
    }

    func truncate(to size: Int64) throws {
        guard retryingOnInterrupt({ ftruncate(descriptor, off_t(size)) }) == 0 else {
            throw Self.error("cannot truncate", path)
        }
    }

    static func error(_ what: String, _ path: String) -> SedimentError {
        let reason = String(cString: strerror(errno))
        return SedimentError(.io, "\(what) \(path): \(reason)", context: ["path": path])
    }
}

/// glibc's syncfs(2), which Glibc's module map hides behind _GNU_SOURCE.
@_silgen_name("syncfs")
private func linuxSyncfs(_ descriptor: Int32) -> Int32

/// glibc's sync_file_range(2), likewise hidden.
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ descriptor: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32

@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result < 0 && errno == EINTR { continue }
        return result
    }
}
