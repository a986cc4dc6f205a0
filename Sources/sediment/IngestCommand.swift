import ArgumentParser
import Foundation
import Sediment

#if canImport(Glibc)
import Glibc
#endif

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store messages from a file or a pipe.",
        discussion: """
            Input formats:
              kcat-json  the envelope `kcat -C -J` prints (topic, partition, offset, tstype, ts, key, payload, headers)
              jsonl      Sediment's lossless JSON lines (what `sediment query` prints); non-UTF-8 bytes as {"base64": "..."}
              lines      each line is one value, stamped with the ingest time, in partition 0

            Messages at or below a partition's stored position are skipped, so feeding the same \
            input again stores nothing twice. A malformed line stops the command with its file, \
            line and reason, and nothing of the batch holding it is stored.
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("The Kafka cluster's name, the first level of the archive.", valueName: "name"))
    var instance = "local"

    @Option(help: ArgumentHelp("The topic. Required for lines; for JSON input every line must match it (default: each line's own topic).", valueName: "topic"))
    var topic: String?

    @Option(help: ArgumentHelp("A file to read, or - for standard input.", valueName: "file"))
    var input = "-"

    @Option(help: ArgumentHelp("kcat-json, jsonl or lines.", valueName: "format"))
    var inputFormat: Ingestor.InputFormat = .kcatJSON

    @Flag(help: "Skip malformed lines, and count them, instead of stopping.")
    var skipInvalid = false

    @Option(help: ArgumentHelp("For lines: the offset of the first line; line N gets offset+N, which makes re-feeding the same input idempotent. Default: after the stored position.", valueName: "offset"))
    var firstOffset: Int64?

    @OptionGroup var writing: WriterOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let logger = common.makeLogger()
            var options = Ingestor.Options()
            options.instance = instance
            options.topic = topic
            options.format = inputFormat
            options.skipInvalid = skipInvalid
            options.firstOffset = firstOffset
            options.batchBytes = writing.batchBytes
            try options.validate()
            let descriptor: Int32
            if input == "-" {
                descriptor = 0
            } else {
                descriptor = open(input, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    throw SedimentError(.invalidArgument, "cannot open input \(input): \(String(cString: strerror(errno)))")
                }
            }
            defer { if descriptor != 0 { close(descriptor) } }
            var archiveOptions = ArchiveOptions()
            archiveOptions.fsync = writing.fsync
            let writer = try ArchiveWriter(at: common.archive, options: archiveOptions, logger: logger)
            let ingestor = try Ingestor(writer: writer, options: options, logger: logger)
            let started = Date()
            let meter = StandardError.meter(unit: "messages")
            let progress: ((Ingestor.Summary) -> Void)? = meter.map { meter in { meter.update(done: $0.stored, bytes: Int64($0.bytes)) } }
            let summary = try ingestor.run(descriptor: descriptor, name: input == "-" ? "<stdin>" : input, progress: progress)
            if progress != nil { StandardError.clearProgress() }
            let seconds = Date().timeIntervalSince(started)
            if json {
                let data = try JSONEncoder().encode(summary)
                print(String(decoding: data, as: UTF8.self))
            } else {
                var line = "stored \(summary.stored) messages (\(ByteCount(summary.bytes))) in \(String(format: "%.2f", seconds)) s"
                if summary.alreadyStored > 0 { line += "; \(summary.alreadyStored) already stored, skipped" }
                if summary.invalidSkipped > 0 { line += "; \(summary.invalidSkipped) invalid lines skipped" }
                print(line)
            }
        }
    }
}

extension Ingestor.InputFormat: ExpressibleByArgument {}
