import ArgumentParser
import Foundation
import Sediment
import SedimentObjectStore

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check segments, window files, the index and a bucket against each other.",
        discussion: """
            Reads every segment record (CRC, and the index's blocks against the records), every \
            window file on disk (size and SHA-256 as the index recorded them), and with --target \
            every window the index records as uploaded there (size, ETag, SHA-256 metadata and \
            manifest; --deep downloads and hashes the objects too). Without --target the bucket \
            is not checked, and the summary says so. Each problem is one line naming the file \
            or key and the byte; offset gaps (compacted topics, transaction markers, retention, \
            offsets the broker deleted before dump read them) \
            are listed as gaps, not problems. Exits 0 when clean, 65 (data) when it found a \
            problem, and with its error's class when it could not check (see sediment --help). --json prints one JSON object per line: \
            {"type":"problem"|"gap"|"summary", ...}.
            """
    )

    /// Gaps printed per partition in the text output; --json lists every one.
    static let gapsShown = 10

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp(
        "The target to check, as uploads were given it: cos://…, s3://… or file:///DIR. Credentials as for upload.",
        valueName: "uri"))
    var target: String?

    @OptionGroup var credentials: CredentialOptions

    @Flag(help: "With --target: download every object and hash it, not only its size, ETag and metadata.")
    var deep = false

    @Flag(help: "Print one JSON object per line: each problem and gap, then the summary.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            if deep && target == nil { throw SedimentError(.invalidArgument, "--deep checks objects: give their target with --target") }
            let logger = common.makeLogger()
            let archive = try Archive.open(at: common.archive, logger: logger)
            var options = ArchiveVerifier.Options()
            options.deep = deep
            let checked = try target.map { ArchiveVerifier.Target(uri: $0, store: try credentials.store(for: $0, logger: logger)) }
            let verifier = ArchiveVerifier(archive: archive, target: checked, options: options)
            let output = StandardOutput()
            var printer = FindingPrinter(json: json, gapsShown: Self.gapsShown)
            let summary: VerifySummary
            do {
                summary = try await verifier.run { finding in try output.write(try printer.lines(for: finding)) }
                try await checked?.store.shutdown()
            } catch {
                try? await checked?.store.shutdown()
                // What was found before the run stopped is still worth reading.
                try? output.write(printer.flushGaps())
                try? output.flush()
                throw error
            }
            try output.write(printer.flushGaps())
            try output.write(json ? try Self.jsonLine(VerifyLine(type: "summary", value: summary)) : Self.describe(summary) + "\n")
            try output.flush()
            if !summary.isClean { throw ExitCode.dataError }
        }
    }

    static func describe(_ summary: VerifySummary) -> String {
        var line = "verified \(counted(summary.segments, "segment")) (\(ByteCount(summary.segmentBytes)), \(counted(summary.records, "record")))"
        line += ", \(counted(summary.windowFiles, "window file")) (\(ByteCount(summary.windowBytes)))"
        if summary.windowFilesDeletedLocally > 0 { line += " (\(summary.windowFilesDeletedLocally) more deleted locally by retention)" }
        if let target = summary.target {
            line += ", \(counted(summary.objects, "object")) and \(counted(summary.manifests, "manifest")) in \(target)"
            if summary.deep { line += " (\(ByteCount(summary.objectBytesRead)) downloaded and hashed)" }
        }
        line += summary.problems == 0 ? ": no problems" : ": \(counted(summary.problems, "problem"))"
        if summary.gaps > 0 {
            line += "; \(counted(summary.gaps, "offset gap")) (\(summary.absentOffsets) offsets absent, not a problem)"
        }
        if summary.target == nil {
            line += "; bucket not checked"
            if !summary.uncheckedTargets.isEmpty {
                line += " (give --target \(summary.uncheckedTargets.count == 1 ? "" : "one of ")\(summary.uncheckedTargets.joined(separator: ", ")))"
            }
        }
        return line
    }

    /// One object and a newline; slashes unescaped, as paths and keys are full of them.
    static func jsonLine<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    private static func counted<N: BinaryInteger>(_ count: N, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

/// Findings as lines: `<file or key>: byte <n>: <what>` for problems, `gap: …` for gaps
/// (the first few per partition; a count of the rest), or JSON lines.
struct FindingPrinter {
    let json: Bool
    let gapsShown: Int
    private var gapPartition: String?
    private var gapsInPartition = 0

    init(json: Bool, gapsShown: Int) {
        self.json = json
        self.gapsShown = gapsShown
    }

    mutating func lines(for finding: VerifyFinding) throws -> String {
        switch finding {
        case .problem(let problem):
            if json { return try VerifyCommand.jsonLine(VerifyLine(type: "problem", value: problem)) }
            return problem.location + (problem.position.map { ": byte \($0)" } ?? "") + ": " + problem.detail + "\n"
        case .gap(let gap):
            if json { return try VerifyCommand.jsonLine(VerifyLine(type: "gap", value: gap)) }
            let partition = "\(gap.instance)/\(gap.topic)/\(gap.partition)"
            var text = ""
            if partition != gapPartition {
                text = flushGaps()
                gapPartition = partition
            }
            gapsInPartition += 1
            guard gapsInPartition <= gapsShown else { return text }
            return text + Self.describe(gap, partition: partition) + "\n"
        }
    }

    /// The count of the current partition's gaps left unprinted, if any.
    mutating func flushGaps() -> String {
        defer {
            gapPartition = nil
            gapsInPartition = 0
        }
        guard let partition = gapPartition, gapsInPartition > gapsShown else { return "" }
        return "gap: \(partition): \(gapsInPartition - gapsShown) more gaps (--json lists each)\n"
    }

    static func describe(_ gap: OffsetGap, partition: String) -> String {
        let offsets = gap.count == 1 ? "offset \(gap.firstOffset)" : "offsets \(gap.firstOffset)...\(gap.lastOffset) (\(gap.count))"
        var text = "gap: \(partition): \(offsets) absent"
        if let file = gap.file, let position = gap.position { text += " at byte \(position) of \(file)" }
        switch gap.reason {
        case .source: text += ": never delivered by the source (a compacted topic, transaction markers)"
        case .retention: text += ": held by \(gap.deletedSegment ?? "a segment"), which retention deleted"
        case .brokerRetention: text += ": deleted by the broker's retention before the archive read them"
        }
        return text
    }
}

/// One line of `verify --json`: the value's own fields, and `type` (and, for a problem,
/// `location`, the file or object as the text output names it).
struct VerifyLine<Value: Encodable>: Encodable {
    var type: String
    var value: Value

    private enum Keys: String, CodingKey { case type, location }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(type, forKey: .type)
        if let problem = value as? VerifyProblem { try container.encode(problem.location, forKey: .location) }
    }
}
