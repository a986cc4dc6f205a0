#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exclusive lock a writer holds on `sediment.lock` for as long as it is open, so
/// that two writers never append to the same segments, and the one a compactor holds on
/// `sediment.compact.lock`, so that two never write the same window. Readers take none.
final class ArchiveLock {
    private let descriptor: Int32

    init(path: String, holder: String = "writer (sediment ingest or dump)") throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemFile.error("cannot open lock file", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw SedimentError(
                .archiveLocked,
                "\(FileSystem.parentDirectory(path)) is in use by another \(holder); one at a time",
                context: ["path": path])
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
