import Foundation
import Testing
@testable import Sediment

/// An archive in a temporary directory, filled through the writer and compacted through
/// the library, with a clock the test sets.
final class CompactionFixture {
    let directory: TemporaryDirectory
    let instance = "local"
    let topic: String
    private let clock = TestClock()

    init(label: String, topic: String = "orders") {
        directory = TemporaryDirectory(label: label)
        self.topic = topic
    }

    var path: String { directory.path + "/archive" }

    var now: Int64 {
        get { clock.value }
        set { clock.value = newValue }
    }

    func append(_ messages: [Message]) throws {
        var options = ArchiveOptions()
        options.blockBytes = 16 << 10
        options.segmentBytes = 1 << 20
        let clock = clock
        let writer = try ArchiveWriter(at: path, options: options, now: { clock.value })
        _ = try writer.append(messages, instance: instance, topic: topic)
    }

    func compactor() throws -> Compactor {
        let clock = clock
        return try Compactor.open(at: path, now: { clock.value })
    }

    @discardableResult
    func compact(_ change: WindowSettingsChange = .init(), closeAll: Bool = false) throws -> CompactionSummary {
        let compactor = try compactor()
        try compactor.configure(instance: instance, topic: topic, change)
        return try compactor.compact(instance: instance, topic: topic, closeAll: closeAll)
    }

    func query(_ range: Range<Int64> = Int64.min..<Int64.max, partitions: Set<Int32>? = nil) throws -> [Message] {
        try Archive.open(at: path).messages(instance: instance, topic: topic, in: range, partitions: partitions).all()
    }

    func files() throws -> [WindowFile] { try Archive.open(at: path).windowFiles(instance: instance, topic: topic) }

    func contents(of file: WindowFile) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path + "/" + file.path))
    }

    func visibleWindowFiles() -> [String] { ArchiveFiles(path: path).visible() }

    /// Runs a tool (gzip, zcat, python3, chromium) and returns its stdout; a failure fails
    /// the test, with the end of what the tool wrote on stderr (kept in a file, so that a
    /// chatty tool never blocks on a full pipe).
    static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        process.standardOutput = output
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            let said = String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self).suffix(2000)
            Issue.record("\(tool) \(arguments.prefix(3).joined(separator: " ")) exited \(process.terminationStatus): \(said)")
        }
        return data
    }

    /// `gzip -t` accepts every file and `zcat` reads them: returns what zcat printed per file.
    func readWithGzipTools(_ files: [WindowFile]) throws -> [Data] {
        let paths = files.map { path + "/" + $0.path }
        _ = try Self.run("gzip", ["-t"] + paths)
        return try paths.map { try Self.run("zcat", [$0]) }
    }
}

/// A settable clock shared with the writer and the compactor.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64 = 1_700_000_000_000
    var value: Int64 {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}

/// Minutes as milliseconds, for readable window arithmetic.
func minutes(_ count: Int64) -> Int64 { count * 60_000 }
