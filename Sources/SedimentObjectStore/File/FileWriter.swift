import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either nothing or all of it: the bytes go to a
/// temporary name in the same directory, are fsynced, and the file is renamed over
/// the final name (then the directory is fsynced so the rename itself is durable).
final class FileWriter: @unchecked Sendable {
    // @unchecked: used by one task at a time (write, then commit or discard).
    let temporaryPath: String
    private var fd: Int32
    private(set) var written: Int64 = 0

    init(temporaryBeside path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        // Owner-only: this writes restored windows into an archive, and a `file://`
        // bucket holds the same messages.
        try FileManager.default.createDirectory(
            atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: Int(FilePermissions.ownerOnlyDirectory)])
        temporaryPath = path + ".tmp-" + UUID().uuidString.prefix(8).lowercased()
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FilePermissions.ownerOnlyFile)
        guard fd >= 0 else { throw Self.failure("cannot create", temporaryPath) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Self.failure("cannot write", temporaryPath) }
            done += n
        }
        written += Int64(bytes.count)
    }

    func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { try write($0) }
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Makes the bytes durable under `path`; returns how many were written. Unless
    /// `replacing`, a file already at `path` stays as it is and the commit fails with
    /// `.alreadyExists`: the temporary file is linked to `path`, which never replaces.
    @discardableResult
    func commit(to path: String, replacing: Bool = true) throws -> Int64 {
        guard fsync(fd) == 0 else { throw Self.failure("cannot fsync", temporaryPath) }
        close(fd)
        fd = -1
        if replacing {
            guard rename(temporaryPath, path) == 0 else {
                let error = Self.failure("cannot rename to \(path)", temporaryPath)
                unlink(temporaryPath)
                throw error
            }
        } else {
            let linked = link(temporaryPath, path)
            let failure = linked == 0 ? nil : (errno, Self.failure("cannot link to \(path)", temporaryPath))
            unlink(temporaryPath)
            if let (code, error) = failure {
                guard code == EEXIST else { throw error }
                throw ObjectStoreError(
                    .alreadyExists, message: "an object is already there, and a create-only write does not replace it",
                    httpStatus: 412)
            }
        }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return written
    }

    /// Drops the temporary file.
    func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryPath)
    }

    static func failure(_ what: String, _ path: String) -> ObjectStoreError {
        ObjectStoreError(.fileSystem, message: "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
