import SedimentObjectStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exclusive lock a writer holds on `sediment.lock` for as long as it is open, so
/// that two writers never append to the same segments, and the one a compactor holds on
/// `sediment.compact.lock`, so that two never write the same window. Retention takes the
/// one on `sediment.readers.lock` when no reader holds it (`ifFree`, see `ReaderLease`).
final class ArchiveLock: Sendable {
    private let descriptor: Int32

    init(path: String, holder: String = "writer (sediment ingest or dump)") throws {
        // A process forking a child shares the lock's open file until the child's exec
        // closes it: a lock just released can look held for a moment. Ask again briefly
        // (seen in the test suite, which spawns processes beside writers that come and go).
        var taken = try Self.takeIfFree(path)
        for _ in 0..<20 where taken == nil {
            usleep(5_000)
            taken = try Self.takeIfFree(path)
        }
        guard let descriptor = taken else {
            throw SedimentError(
                .archiveLocked,
                "\(FileSystem.parentDirectory(path)) is in use by another \(holder); one at a time",
                context: ["path": path])
        }
        self.descriptor = descriptor
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// The lock, if nobody holds it (shared or exclusive) now; nil otherwise.
    static func ifFree(path: String) throws -> ArchiveLock? {
        try takeIfFree(path).map(ArchiveLock.init(descriptor:))
    }

    private static func takeIfFree(_ path: String) throws -> Int32? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FilePermissions.ownerOnlyFile)
        guard descriptor >= 0 else { throw SystemFile.error("cannot open lock file", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    deinit { close(descriptor) }
}
