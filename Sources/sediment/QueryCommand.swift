import ArgumentParser
import Sediment

import Logging
import SedimentObjectStore

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print the messages of topics in a time range.",
        discussion: """
            Messages come ordered by timestamp, then topic name, then partition, then offset \
            (--order time), or by topic name, then partition, then offset (--order offset: \
            each partition as Kafka held it, sorted through temporary files in $TMPDIR past \
            64 MiB); --from is inclusive and --to exclusive. TIME is ISO-8601 with a zone \
            (2026-11-25T10:00:00Z), Unix seconds or milliseconds, 'now', or relative to now \
            (-2h, -15m, -7d). Without --instance, each topic's is the only instance holding it.

            --key and --key-prefix are alternatives (the key must match one of them; a null key \
            matches none); each --header NAME must be present, with one of the values given for \
            that NAME (any value when one is given without). --count counts what the filters keep.

            -f prints as kcat -C -f does, byte for byte: %t topic, %p partition, %o offset, \
            %T timestamp (ms), %k key, %K key length, %s value, %S value length (-1 for null), \
            %R value length as 4 big-endian bytes, %h headers (name=value,...; NULL for a null \
            value), %% a percent sign; kcat's escapes: \\n \\t \\r, and \\NNN or \\xNN as one byte.

            A query returns every message of its range held anywhere: segments, local windows, \
            and windows only a bucket holds. Windows local retention deleted after upload are \
            read from where the archive uploaded them, fetching only the members (gzip members, zstd frames) the range \
            needs (ranged GETs, several at once); --target reads another bucket's windows (every \
            window of the range there, listed under --key-template), and --local-only reads no \
            bucket. When part of the range can be read from nowhere, the query prints nothing, \
            names the windows on stderr and exits non-zero. --count takes whole members of \
            bucket windows from their manifests' counts, unfetched. Credentials as for upload.

            A corrupt segment record (its CRC does not match) or window-file member (gzip CRC \
            or length, or a line that is not a message) stops the query with an error naming \
            the file and byte position: nothing corrupted is ever printed. --skip-corrupt \
            leaves such records out (a whole member for a window file), names each on stderr \
            and ends with the count of messages lost.
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: the only instance holding each topic).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("The topic; repeat for several, merged in one order.", valueName: "topic"))
    var topic: [String]

    @OptionGroup var time: TimeRangeOptions

    @Option(help: ArgumentHelp("Only this partition; repeat for several.", valueName: "n"))
    var partition: [Int32] = []

    @OptionGroup var filters: MessageFilterOptions

    @Option(help: ArgumentHelp("time (by timestamp) or offset (each partition in offset order).", valueName: "order"))
    var order: MessageQuery.Order = .time

    @Option(help: ArgumentHelp("jsonl (lossless JSON lines; the default) or value (each value followed by a newline).", valueName: "format"))
    var format: OutputFormat?

    @Option(name: [.customShort("f"), .customLong("format-string")], help: ArgumentHelp("Print each message as kcat -C -f does (tokens above).", valueName: "fmt"))
    var formatString: String?

    @Flag(help: "Print only the number of messages selected.")
    var count = false

    @Option(help: ArgumentHelp("Stop after this many messages.", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Also read this bucket's windows of the range (a URI as for upload).", valueName: "uri"))
    var target: String?

    @Option(help: ArgumentHelp("The keys of --target's windows.", valueName: "template"))
    var keyTemplate = KeyTemplate.defaultTemplate

    @OptionGroup var credentials: CredentialOptions

    @Flag(help: "Read only what the archive holds locally; never a bucket.")
    var localOnly = false

    @Flag(help: "Print to stderr what the query read: members, bytes fetched from buckets, bytes inflated.")
    var stats = false

    @Flag(help: "Leave out corrupt segment records and window-file members, and count the messages lost on stderr, instead of failing.")
    var skipCorrupt = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case jsonl, value
    }

    func run() throws {
        try reportingErrors {
            let range = try time.range()
            if let limit, limit < 0 { throw SedimentError(.invalidArgument, "--limit must not be negative, got \(limit)") }
            if localOnly && target != nil { throw SedimentError(.invalidArgument, "--local-only reads no bucket: leave out --target") }
            if format != nil && formatString != nil { throw SedimentError(.invalidArgument, "--format and --format-string both say how to print: give one") }
            let kcat = try formatString.map { try KcatFormat($0) }
            let filter = try filters.filter()
            let logger = common.makeLogger()
            let archive = try Archive.open(at: common.archive, logger: logger)
            let bucket = localOnly ? nil : try bucketSession(logger: logger)
            defer { try? bucket?.shutdownWaiting() }
            var named = Set<String>()
            let topics = try topic.filter { named.insert($0).inserted }.map {
                ArchivedTopic(instance: try resolveInstance(topic: $0, archive: archive, bucket: bucket), topic: $0)
            }
            var query = MessageQuery(
                topics: topics, range: range, partitions: partition.isEmpty ? nil : Set(partition), filter: filter, order: order)
            let corruption = skipCorrupt ? CorruptionTally() : nil
            query.skipCorrupt = corruption
            defer { corruption.map(printSkipped) }
            let output = StandardOutput()
            if count {
                let counting = try archive.count(query, bucket: bucket, limit: limit ?? .max)
                try output.write("\(counting.count)\n")
                try output.flush()
                if stats { printStatistics(counting.statistics) }
                return
            }
            let cursor = try archive.messages(query, bucket: bucket)
            var printed = 0
            if let kcat {
                while printed < limit ?? Int.max, let item = try cursor.next() {
                    printed += 1
                    try output.append { kcat.append(item.message, topic: item.topic.topic, to: &$0) }
                }
            } else {
                let lines: QueryCursor.LineFormat = format == .value ? .value : .jsonl
                while printed < limit ?? Int.max {
                    let appended = try output.fill { buffer, bytes in
                        try cursor.append(upTo: (limit ?? Int.max) - printed, bytes: bytes, format: lines, to: &buffer)
                    }
                    if appended == 0 { break }
                    printed += appended
                }
            }
            try output.flush()
            if stats { printStatistics(cursor.statistics) }
        }
    }

    /// The archive's instance holding `topic`; with --target and an archive that does not
    /// hold it, the bucket's.
    private func resolveInstance(topic: String, archive: Archive, bucket: BucketSession?) throws -> String {
        do {
            return try archive.resolveInstance(instance, topic: topic)
        } catch let error as SedimentError where error.code == .notFound {
            guard let bucket, bucket.target != nil else { throw error }
            let held = try bucket.instances(holding: topic)
            guard held.count == 1 else {
                if held.isEmpty { throw error }
                throw SedimentError(
                    .invalidArgument, "topic '\(topic)' is in the bucket from several instances (\(held.joined(separator: ", "))): choose one with --instance")
            }
            return held[0]
        }
    }

    /// Opens the stores a query turns out to need, with credentials as `upload` loads them.
    private func bucketSession(logger: Logger) throws -> BucketSession {
        let named = try target.map { BucketSession.Target(uri: $0, template: try KeyTemplate(keyTemplate)) }
        if let target { _ = try ObjectTarget(parsing: target) }
        return credentials.bucketSession(target: named, logger: logger)
    }

    private func printSkipped(_ tally: CorruptionTally) {
        let skipped = tally.skipped
        for error in skipped { StandardError.write("sediment: skipped: \(error.message)\n") }
        if !skipped.isEmpty {
            StandardError.write("sediment: --skip-corrupt: \(tally.messagesLost) messages lost in \(skipped.count) corrupt places\n")
        }
    }

    private func printStatistics(_ statistics: QueryStatistics) {
        var line = "members read: \(statistics.membersRead)"
        if statistics.membersCounted > 0 { line += ", counted from their manifests: \(statistics.membersCounted)" }
        line += "; fetched from buckets: \(ByteCount(statistics.bytesFetched)) (\(statistics.bytesFetched) bytes)"
        line += "; inflated: \(ByteCount(statistics.bytesInflated)) (\(statistics.bytesInflated) bytes)\n"
        StandardError.write(line)
    }
}
