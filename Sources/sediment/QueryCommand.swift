import ArgumentParser
import Sediment

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print the messages of a topic in a time range.",
        discussion: """
            Messages come ordered by timestamp, then partition, then offset; --from is inclusive \
            and --to exclusive. TIME is ISO-8601 with a zone (2026-11-25T10:00:00Z), Unix seconds \
            or milliseconds, 'now', or relative to now (-2h, -15m, -7d).
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: the only instance holding the topic).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("The topic.", valueName: "topic"))
    var topic: String

    @OptionGroup var time: TimeRangeOptions

    @Option(help: ArgumentHelp("Only this partition; repeat for several.", valueName: "n"))
    var partition: [Int32] = []

    @Option(help: ArgumentHelp("jsonl (lossless JSON lines) or value (each value followed by a newline).", valueName: "format"))
    var format: OutputFormat = .jsonl

    @Flag(help: "Print only the number of matching messages.")
    var count = false

    @Option(help: ArgumentHelp("Stop after this many messages.", valueName: "n"))
    var limit: Int?

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case jsonl, value
    }

    func run() throws {
        try reportingErrors {
            let range = try time.range()
            if let limit, limit < 0 { throw SedimentError(.invalidArgument, "--limit must not be negative, got \(limit)") }
            let archive = try Archive.open(at: common.archive, logger: common.makeLogger())
            let instance = try archive.resolveInstance(instance, topic: topic)
            let cursor = try archive.messages(
                instance: instance, topic: topic, in: range, partitions: partition.isEmpty ? nil : Set(partition))
            let output = StandardOutput()
            var printed = 0
            while printed < limit ?? Int.max, let message = try cursor.next() {
                printed += 1
                if count { continue }
                try output.append { buffer in
                    switch format {
                    case .jsonl:
                        message.appendJSONLine(topic: topic, to: &buffer)
                    case .value:
                        if let value = message.value { buffer.append(contentsOf: value) }
                        buffer.append(0x0A)
                    }
                }
            }
            if count { try output.write("\(printed)\n") }
            try output.flush()
        }
    }
}
