import ArgumentParser
import Logging
import Foundation
import Sediment
import SedimentKafka
import SedimentObjectStore

#if canImport(Glibc)
import Glibc
#endif

struct ArchiveOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The archive directory.", valueName: "dir"))
    var archive: String

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel: Logger.Level = .notice

    @Flag(name: .long, help: "Log errors only (the same as --log-level error).")
    var quiet = false

    /// key=value lines on stderr (`LogfmtHandler`).
    func makeLogger() -> Logger {
        standardErrorLogger(level: quiet ? .error : logLevel)
    }
}

/// The CLI's logger: lines on stderr from `level` up.
func standardErrorLogger(level: Logger.Level) -> Logger {
    var logger = Logger(label: "sediment") { _ in LogfmtHandler() }
    logger.logLevel = level
    return logger
}

/// `--from` and `--to`, read as time expressions (relative ones like -2h too, hence
/// unconditional parsing), for the commands that take a time range.
struct TimeRangeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Start of the range, inclusive.", valueName: "time"))
    var from: String

    @Option(parsing: .unconditional, help: ArgumentHelp("End of the range, exclusive.", valueName: "time"))
    var to: String = "now"

    /// `[from, to)` in milliseconds; an error when either cannot be read or from is after to.
    func range(now: Int64 = WallClock.nowMilliseconds()) throws -> Range<Int64> {
        try Self.range(from: from, to: to, now: now)
    }

    static func range(from: String, to: String, now: Int64 = WallClock.nowMilliseconds()) throws -> Range<Int64> {
        let start = try TimeExpression.parse(from, now: now)
        let end = try TimeExpression.parse(to, now: now)
        guard start <= end else { throw SedimentError(.invalidArgument, "--from (\(from)) is after --to (\(to))") }
        return start..<end
    }
}

/// How the commands that write (`ingest`, `dump`) batch and protect what they append.
struct WriterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("When segment bytes are forced to disk: batch (before each commit) or never.", valueName: "policy"))
    var fsync: ArchiveOptions.FsyncPolicy = .batch

    @Option(help: ArgumentHelp("Bytes of records per batch (one fsync and one index commit each).", valueName: "bytes"))
    var batchBytes = 16 << 20
}

extension ArchiveOptions.FsyncPolicy: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs a command body, turning any error into one clear line on stderr and the exit
/// code of its class.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        try report(error)
    }
}

/// `reportingErrors` for async command bodies.
func reportingAsyncErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        try report(error)
    }
}

/// Every error, whichever layer threw it (the library, the object store, Kafka, the
/// index), ends as `sediment: error: <what and where>` and the exit code of its class;
/// ArgumentParser's own (usage errors, --help) pass through to it, which exits 64 for
/// usage as the usage class does.
private func report(_ error: any Error) throws -> Never {
    let message: String
    switch error {
    case is ExitCode, is CleanExit, is ValidationError:
        throw error
    case let error as SedimentError:
        message = SettingNames.naming(error.description, SettingNames.flag)
    case let error as ObjectStoreError:
        message = error.description
    case let error as KafkaError:
        message = "Kafka: \(error.message) (\(error.name))"
    default:
        message = "\(error)"
    }
    StandardError.write("sediment: error: \(message)\n")
    throw ExitCode(classifying: error)
}

/// One line of JSON, keys sorted, for `--json`.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

enum StandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }

    static var isTerminal: Bool { isatty(2) == 1 }

    /// Wipes the progress line before the summary.
    static func clearProgress() { write("\r\u{1B}[K") }
}

/// Buffered writes to stdout: a query prints millions of lines, one `write(2)` per 256 KiB.
final class StandardOutput {
    private var buffer: [UInt8] = []
    private let limit = 256 << 10

    init() { buffer.reserveCapacity(limit + 4096) }

    func append(_ body: (inout [UInt8]) -> Void) throws {
        try fill { buffer, _ in body(&buffer) }
    }

    /// Lets `body` fill the buffer up to its limit, then writes it out; returns what `body` did.
    func fill<R>(_ body: (inout [UInt8], _ limit: Int) throws -> R) throws -> R {
        let result = try body(&buffer, limit)
        if buffer.count >= limit { try flush() }
        return result
    }

    func write(_ text: String) throws {
        try append { $0.append(contentsOf: text.utf8) }
    }

    /// Writes out the buffer; a failed write (a full disk, a closed pipe) is an error, so
    /// that a command never reports success for output that was lost.
    func flush() throws {
        var done = 0
        while done < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let reason = String(cString: strerror(errno))
                buffer.removeAll(keepingCapacity: true)
                throw SedimentError(.io, "cannot write the output: \(reason)")
            }
            done += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
