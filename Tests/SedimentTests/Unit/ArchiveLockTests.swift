import Foundation
import Testing
@testable import Sediment

@Suite("ArchiveLock")
struct ArchiveLockTests {
    let directory = TemporaryDirectory(label: "lock")
    var lockPath: String { directory.file("sediment.lock") }

    @Test("a second lock on a held file is refused with a message naming the directory and the holder")
    func refusedWhileHeld() throws {
        let held = try ArchiveLock(path: lockPath, holder: "writer (test)")
        let error = try #require(throws: SedimentError.self) {
            _ = try ArchiveLock(path: lockPath, holder: "compactor (test)")
        }
        #expect(error.code == .archiveLocked)
        #expect(error.message == "\(directory.path) is in use by another compactor (test); one at a time")
        #expect(error.context["path"] == lockPath)
        withExtendedLifetime(held) {}
    }

    @Test("the lock is released when the object goes away, and the file is created if missing")
    func releasedOnDeinit() throws {
        #expect(!FileManager.default.fileExists(atPath: lockPath))
        var held: ArchiveLock? = try ArchiveLock(path: lockPath)
        #expect(FileManager.default.fileExists(atPath: lockPath))
        #expect(throws: SedimentError.self) { _ = try ArchiveLock(path: lockPath) }
        held = nil
        let again = try ArchiveLock(path: lockPath)
        withExtendedLifetime((held, again)) {}
    }

    @Test("ifFree takes a free lock, returns nil while anyone holds it, and its lock excludes the others")
    func ifFree() throws {
        var free = try ArchiveLock.ifFree(path: lockPath)
        #expect(free != nil)
        #expect(try ArchiveLock.ifFree(path: lockPath) == nil)
        #expect(throws: SedimentError.self) { _ = try ArchiveLock(path: lockPath) }
        free = nil
        let writer = try ArchiveLock(path: lockPath)
        #expect(try ArchiveLock.ifFree(path: lockPath) == nil)
        withExtendedLifetime((free, writer)) {}
    }

    @Test("a lock file that cannot be opened is an I/O error naming it, not a held lock")
    func cannotOpen() {
        let path = directory.file("missing/sediment.lock")
        let error = #expect(throws: SedimentError.self) { _ = try ArchiveLock(path: path) }
        #expect(error?.code == .io)
        #expect(error?.context["path"] == path)
        #expect(throws: SedimentError.self) { _ = try ArchiveLock.ifFree(path: path) }
    }

    @Test("readers' leases share the lock with one another and keep retention's exclusive lock out")
    func readersShare() throws {
        let layout = ArchiveLayout(root: directory.path)
        var first: ReaderLease? = ReaderLease(layout: layout)
        // A second reader would block here if the lease were exclusive.
        var second: ReaderLease? = ReaderLease(layout: layout)
        #expect(try ArchiveLock.ifFree(path: layout.readersLockPath) == nil)
        first = nil
        #expect(try ArchiveLock.ifFree(path: layout.readersLockPath) == nil, "one reader left")
        second = nil
        #expect(try ArchiveLock.ifFree(path: layout.readersLockPath) != nil)
        withExtendedLifetime((first, second)) {}
    }

    @Test("a reader arriving while retention holds the exclusive lock waits until it is released")
    func readerWaitsForRetention() throws {
        let layout = ArchiveLayout(root: directory.path)
        var exclusive = try ArchiveLock.ifFree(path: layout.readersLockPath)
        #expect(exclusive != nil)
        let granted = DispatchSemaphore(value: 0)
        // A thread of its own: the lease blocks in flock(2), which must not hold a
        // thread of the cooperative pool.
        Thread.detachNewThread {
            let lease = ReaderLease(layout: layout)
            granted.signal()
            withExtendedLifetime(lease) {}
        }
        #expect(granted.wait(timeout: .now() + .milliseconds(300)) == .timedOut)
        exclusive = nil
        #expect(granted.wait(timeout: .now() + .seconds(10)) == .success)
        withExtendedLifetime(exclusive) {}
    }

    @Test("a lease on a directory where the lock file cannot be made holds nothing and does not block")
    func leaseWithoutFile() throws {
        let layout = ArchiveLayout(root: directory.file("absent"))
        let lease = ReaderLease(layout: layout)
        #expect(!FileManager.default.fileExists(atPath: layout.readersLockPath))
        withExtendedLifetime(lease) {}
    }
}
