import Foundation
import Testing

/// A tmpfs of a chosen size mounted on a fresh directory (tests and CI run as root), so
/// that an archive can run out of space for real. Unmounted when the value goes away,
/// whatever the test did; the directory is removed with its scratch.
final class Tmpfs {
    let path: String

    init(in scratch: TemporaryDirectory, name: String = "tmpfs", size: String) throws {
        path = scratch.file(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.mount(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    }

    /// Grows (or shrinks) the mounted filesystem, keeping what it holds.
    func resize(_ size: String) throws {
        try Self.mount(["-o", "remount,size=\(size)", path])
    }

    /// Bytes a new file could take now (what `df` shows as available).
    var available: Int64 {
        (try? FileManager.default.attributesOfFileSystem(forPath: path)[.systemFreeSize] as? Int64) ?? 0
    }

    /// A file taking all but `leaving` bytes of the free space, to fill the disk on purpose.
    func fill(leaving: Int64, name: String = "filler") throws -> String {
        let filler = path + "/" + name
        let size = max(0, available - leaving)
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(repeating: 0x46, count: 1 << 20)
        var written: Int64 = 0
        while written < size {
            let piece = Int(min(Int64(chunk.count), size - written))
            try handle.write(contentsOf: chunk.prefix(piece))
            written += Int64(piece)
        }
        return filler
    }

    deinit {
        // Lazy: a child process still holding a file there must not keep it mounted.
        try? Self.run("/bin/umount", ["-l", path])
    }

    private static func mount(_ arguments: [String]) throws {
        try run("/bin/mount", arguments)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIProcess.Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(said)")
        }
    }
}
