import SedimentObjectStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shared lock on `sediment.readers.lock`, held by every cursor from before it reads the
/// index until it is gone, and by every upload pass, whatever process it is in. Retention
/// deletes segment and window files only under the exclusive lock (`ArchiveLock.ifFree`),
/// so a long query or upload never finds a file it was promised deleted under it; while
/// any is running, deletions wait for a later compaction run.
///
/// On a read-only copy of an archive without the lock file nothing can delete, and the
/// lease holds no lock.
final class ReaderLease {
    private let descriptor: Int32

    init(layout: ArchiveLayout) {
        let path = layout.readersLockPath
        var descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FilePermissions.ownerOnlyFile) }
        // Blocks only while retention deletes, a short moment.
        if descriptor >= 0 { _ = retryingOnInterrupt { flock(descriptor, LOCK_SH) } }
        self.descriptor = descriptor
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}
