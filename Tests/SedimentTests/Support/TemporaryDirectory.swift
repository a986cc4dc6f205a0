import Foundation

/// A fresh, empty directory under /tmp (`/tmp/sediment-tests-<label>-<uuid>`), removed
/// with everything in it when the object goes away.
///
/// Swift may release an object right after its last use, so a test that hands `path`
/// to a child process should keep the object alive across that work: either use
/// `withTemporaryDirectory { ... }` or `withExtendedLifetime(directory) { ... }`.
final class TemporaryDirectory: Sendable {
    let path: String

    /// Creating a directory under /tmp does not fail on a sane machine; if it does,
    /// nothing in the test could work, so this stops with the reason.
    init(label: String = "test") {
        path = "/tmp/sediment-tests-\(label)-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            preconditionFailure("cannot create temporary directory \(path): \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// `path/name`; nothing is created.
    func file(_ name: String) -> String { path + "/" + name }
}

/// Runs `body` with a new temporary directory, removed once the body returns or throws.
func withTemporaryDirectory<R>(label: String = "test", _ body: (TemporaryDirectory) throws -> R) rethrows -> R {
    let directory = TemporaryDirectory(label: label)
    return try withExtendedLifetime(directory) { try body(directory) }
}
