import Foundation
import Testing

@testable import Sediment

#if canImport(Glibc)
import Glibc
#endif

/// The built `sediment` executable run as a child process, for tests that need what only
/// a real process gives: SIGKILL at any instruction, and readers in other processes.
///
/// stdout and stderr go to files rather than pipes: a query prints tens of megabytes, and
/// a pipe nobody drains would block the child (and look like a hang).
final class CLIProcess {
    struct Result {
        /// The exit code, or the signal number when `signaled`.
        var status: Int32
        var signaled: Bool
        var stdout: Data
        var stderr: String

        var succeeded: Bool { !signaled && status == 0 }
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var summary: String { "\(signaled ? "signal" : "exit") \(status); stderr: \(stderr.isEmpty ? "(empty)" : stderr)" }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let arguments: [String]
    private let process = Process()
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `sediment arguments...`. Output files go in `scratch`; stdin is /dev/null
    /// unless `stdin` is given (the read end of a pipe the test writes into). `environment`
    /// is added to this process's (credentials for a store, say).
    init(_ arguments: [String], scratch: TemporaryDirectory, stdin: FileHandle? = nil, environment: [String: String] = [:]) throws {
        self.arguments = arguments
        let id = UUID().uuidString
        stdoutPath = scratch.file("stdout-\(id)")
        stderrPath = scratch.file("stderr-\(id)")
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: stdoutPath), let err = FileHandle(forWritingAtPath: stderrPath) else {
            throw Failure(description: "cannot create output files in \(scratch.path)")
        }
        process.executableURL = try Self.executable()
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = stdin ?? FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // The child holds its own copies now.
        try? out.close()
        try? err.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What the process has written to stderr so far (logs), while it runs.
    var stderrSoFar: String {
        String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self)
    }

    /// What the process has written to stdout so far, while it runs.
    var stdoutSoFar: String {
        String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self)
    }

    /// SIGTERM: the graceful stop a service manager sends.
    func terminate() {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGTERM) }
    }

    /// SIGKILL: the process stops wherever it is, with no chance to clean up.
    func kill() {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the exit. On timeout the process is killed and this throws, failing the
    /// test: a hang is a bug (a lock never released, a reader stuck), not something to wait out.
    func wait(timeout: Duration = .seconds(120)) throws -> Result {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill()
                process.waitUntilExit()
                throw Failure(description: "sediment \(arguments.joined(separator: " ")) did not finish within \(timeout); killed it")
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        process.waitUntilExit()
        let result = Result(
            status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal,
            stdout: FileManager.default.contents(atPath: stdoutPath) ?? Data(),
            stderr: String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self))
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
        return result
    }

    /// Runs `sediment arguments...` to completion.
    static func run(
        _ arguments: [String], scratch: TemporaryDirectory, environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) throws -> Result {
        try CLIProcess(arguments, scratch: scratch, environment: environment).wait(timeout: timeout)
    }

    /// Runs `sediment arguments...` and returns stdout; anything but exit 0 throws (and
    /// so fails the test) with the command, the status and stderr.
    static func succeed(
        _ arguments: [String], scratch: TemporaryDirectory, environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) throws -> Data {
        let result = try run(arguments, scratch: scratch, environment: environment, timeout: timeout)
        guard result.succeeded else {
            throw Failure(description: "sediment \(arguments.joined(separator: " ")) failed: \(result.summary)")
        }
        return result.stdout
    }

    /// The `sediment` executable that `swift build` put next to the test runner
    /// (`.build/debug/`, or `<scratch-path>/debug/`). SEDIMENT_CLI overrides the search.
    /// A missing binary fails the test: silently skipping would hide the crash tests.
    static func executable() throws -> URL {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["SEDIMENT_CLI"] {
            guard fileManager.isExecutableFile(atPath: override) else {
                throw Failure(description: "SEDIMENT_CLI=\(override) is not an executable file")
            }
            return URL(fileURLWithPath: override)
        }
        var starts: [URL] = []
        if let main = Bundle.main.executableURL { starts.append(main.deletingLastPathComponent()) }
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        var searched: [String] = []
        for start in starts {
            var directory = start.standardizedFileURL
            // The runner may sit inside a bundle (SedimentPackageTests.xctest/...), so look a few levels up.
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("sediment")
                var isDirectory: ObjCBool = false
                if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fileManager.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                searched.append(directory.path)
                directory = directory.deletingLastPathComponent()
            }
        }
        throw Failure(description: """
            the sediment executable was not found next to the test runner (searched \(searched.joined(separator: ", "))): \
            run swift build first (with the same --scratch-path), or set SEDIMENT_CLI
            """)
    }
}

/// One line of `sediment query --format jsonl`, fields as bytes whatever their JSON form.
struct OutputLine: Equatable {
    var topic: String
    var partition: Int
    var offset: Int
    var timestamp: Int64
    var key: [UInt8]?
    /// Flat, as the JSON has them: name, value, name, value...
    var headers: [[UInt8]?]
    var payload: [UInt8]?

    /// Strict: Foundation's JSON decoder, independent of Sediment's. It refuses anything that
    /// is not JSON, such as raw non-UTF-8 bytes in a string, which Sediment's decoder accepts
    /// (kcat writes them). Slow in a debug build (~25 µs a line): use it for final checks.
    static func decodeStrict(_ data: Data) throws -> [OutputLine] {
        guard !data.isEmpty else { return [] }
        guard data.last == 0x0A else { throw CLIProcess.Failure(description: "query output does not end with a newline") }
        // One JSON array of the lines: one decoder call instead of one per line. JSON
        // strings cannot hold a raw newline, so every newline ends a line.
        var bytes = [UInt8](repeating: 0, count: data.count + 1)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer[0] = UInt8(ascii: "[")
            _ = data.copyBytes(to: UnsafeMutableBufferPointer(rebasing: buffer[1...]))
            var next = 1
            while let found = memchr(buffer.baseAddress! + next, 0x0A, buffer.count - next) {
                let index = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                buffer[index] = UInt8(ascii: ",")
                next = index + 1
            }
            buffer[buffer.count - 1] = UInt8(ascii: "]")
        }
        return try JSONDecoder().decode([Strict].self, from: Data(bytes)).map {
            OutputLine(
                topic: $0.topic, partition: $0.partition, offset: $0.offset, timestamp: $0.ts, key: $0.key?.bytes,
                headers: ($0.headers ?? []).map { $0?.bytes }, payload: $0.payload?.bytes)
        }
    }

    /// Fast: Sediment's own line decoder, for the many intermediate queries of a test.
    static func decodeFast(_ data: Data) throws -> [OutputLine] {
        var lines: [OutputLine] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var start = 0
            while start < raw.count {
                guard let found = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) else {
                    throw CLIProcess.Failure(description: "query output ends inside a line: \(raw.count - start) bytes after the last newline")
                }
                let end = raw.baseAddress!.distance(to: UnsafeRawPointer(found))
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                let decoded: DecodedLine
                do { decoded = try JSONLineDecoder.decode(line) } catch {
                    throw CLIProcess.Failure(description: "query output line \(lines.count + 1): \(error): \(String(decoding: line, as: UTF8.self))")
                }
                let message = decoded.message
                lines.append(OutputLine(
                    topic: decoded.topic ?? "", partition: Int(message.partition), offset: Int(message.offset),
                    timestamp: message.timestamp, key: message.key,
                    headers: message.headers.flatMap { [Array($0.name.utf8), $0.value] }, payload: message.value))
                start = end + 1
            }
        }
        return lines
    }

    private struct Strict: Decodable {
        var topic: String
        var partition: Int
        var offset: Int
        var ts: Int64
        var key: JSONBytes?
        var headers: [JSONBytes?]?
        var payload: JSONBytes?
    }
}

/// A key, header value or payload as the JSON lines write it: a string when the bytes
/// are UTF-8, `{"base64": "..."}` otherwise. Either way the test compares bytes.
struct JSONBytes: Decodable, Equatable {
    var bytes: [UInt8]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            bytes = Array(text.utf8)
            return
        }
        let object = try container.decode([String: String].self)
        guard object.count == 1, let encoded = object["base64"], let data = Data(base64Encoded: encoded) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a string or {\"base64\": \"...\"}, got \(object)")
        }
        bytes = [UInt8](data)
    }
}

extension CLIProcess {
    /// Runs `arguments` `kills` times, each SIGKILLed after a random delay in `delays`
    /// (milliseconds), calling `afterEach` once the process is gone; then once more to
    /// completion. A run the kill came too late for must have succeeded. Returns how many
    /// runs the kill interrupted.
    static func runWithKills(
        _ arguments: [String], kills: Int, delays: ClosedRange<Int>, scratch: TemporaryDirectory,
        rng: inout SeededRandom, afterEach: () throws -> Void
    ) throws -> Int {
        var interrupted = 0
        for _ in 0..<kills {
            let process = try CLIProcess(arguments, scratch: scratch)
            Thread.sleep(forTimeInterval: Double(Int.random(in: delays, using: &rng)) / 1000)
            process.kill()
            let result = try process.wait()
            if result.signaled {
                interrupted += 1
            } else {
                #expect(result.succeeded, "sediment \(arguments.first ?? "") failed on its own: \(result.summary)")
            }
            try afterEach()
        }
        _ = try succeed(arguments, scratch: scratch)
        return interrupted
    }
}
