import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension FileObjectStore {
    /// The probe is a hidden file in the directory, written as objects are (the directory
    /// created if missing, a temporary file fsynced and linked into place) and unlinked:
    /// a directory that cannot be created or written fails here, as an upload would.
    public func probeWrites() async throws -> ObjectStoreError? {
        let key = WriteProbe.key()
        let path = root + "/" + key
        try await run("PUT", key) {
            do {
                try Self.store(WriteProbe.payload, at: path, what: "the write probe", ifAbsent: true)
            } catch let error as ObjectStoreError {
                throw error
            } catch {
                // FileManager's own errors (a directory that cannot be created) say why.
                throw ObjectStoreError(.fileSystem, message: "cannot write under \(root): \(error.localizedDescription)", underlying: error)
            }
        }
        do {
            try await run("DELETE", key) {
                if unlink(path) != 0 && errno != ENOENT { throw FileWriter.failure("cannot delete", path) }
            }
            return nil
        } catch let error as ObjectStoreError {
            return error
        }
    }
}
