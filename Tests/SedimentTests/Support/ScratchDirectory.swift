import Foundation

/// A temporary directory owned by a test suite instance: held in a stored property, it
/// lives as long as the test method runs and is removed when the instance goes away.
final class ScratchDirectory: Sendable {
    let path: String

    init(_ label: String = "store") {
        path = "/tmp/sediment-tests-\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}
