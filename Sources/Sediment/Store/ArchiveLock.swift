#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exclusive lock a writer holds on `sediment.lock` for as long as it is open, so
/// that two writers never append to the same segments. Readers take no lock.
final class ArchiveLock {
    private let descriptor: Int32

    init(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemFile.error("cannot open lock file", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw SedimentError(
                .archiveLocked,
                "\(FileSystem.parentDirectory(path)) is in use by another writer (sediment ingest or dump); one writer at a time",
                context: ["path": path])
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
