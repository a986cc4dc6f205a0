import ArgumentParser
import Foundation
import Sediment

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send a time range of an archived topic back into Kafka, exactly once.",
        discussion: """
            Each message keeps its key, value, headers (order, duplicates, null and empty \
            apart) and timestamp, sent as CreateTime; source partitions go one after another, \
            each in offset order. --partitioning same keeps the source partition (the target \
            needs as many), key places keyed messages as Kafka's Java producer does (murmur2) \
            and the others round-robin, round-robin spreads them all. --source-headers adds \
            sediment.source.topic, .partition, .offset and .timestamp; without it the target \
            gets the originals byte for byte. --key, --key-prefix and --header send only the \
            messages they keep, as they select in query.

            The producer is idempotent with acks=all, and replay waits for every delivery \
            report. It sends in transactions (transactional.id sediment-<archive id>-<replay \
            id>), one committed each second: a resume fences the run before it, so a write \
            still in flight when that run died cannot land later, and what it had not \
            committed is aborted. Consumers of the target then read each message once with \
            isolation.level=read_committed (librdkafka's default; the Java client's default \
            is read_uncommitted, which also shows aborted records). --no-transactions, for \
            clusters without them, keeps the idempotent producer alone. Committed messages \
            go into the archive's offset map under the replay's id, as they come: a run per \
            pair of source and target partitions per transaction. A replay cut short (a broker gone, the process killed) continues \
            with --resume ID: what the offset map records is not sent again, and what the \
            target holds past it (delivered before the cut, not yet recorded) is recognised \
            and recorded instead of sent, so no message appears twice. --resume needs only \
            --archive (and --brokers or --kafka-option when they changed); the rest is \
            recorded. It expects the range's messages and the target topic unchanged since: \
            a record in the target it did not send stops it. --list shows the replays.

            Kafka clients send a timestamp of 0 as the time of sending: messages archived \
            with timestamp 0 arrive with the replay's time, and the summary counts them.
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: the only instance holding the topic).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("The topic to replay.", valueName: "topic"))
    var topic: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Start of the range, inclusive.", valueName: "time"))
    var from: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("End of the range, exclusive.", valueName: "time"))
    var to = "now"

    @OptionGroup var filters: MessageFilterOptions

    @Option(help: ArgumentHelp("The target cluster's brokers, host:port[,host:port...].", valueName: "brokers"))
    var brokers: String?

    @Option(help: ArgumentHelp("The target topic (default: the source topic's name).", valueName: "topic"))
    var toTopic: String?

    @Option(help: ArgumentHelp("same, key or round-robin.", valueName: "how"))
    var partitioning: ReplayRecord.Partitioning = .same

    @Option(help: ArgumentHelp("At most this many messages per second.", valueName: "n"))
    var rate: Int?

    @Flag(help: "Add sediment.source.topic, .partition, .offset and .timestamp headers.")
    var sourceHeaders = false

    @Flag(help: "Create a missing target topic with the source's partition count (replication: the brokers' default).")
    var createTopic = false

    @Flag(name: .customLong("no-transactions"), help: "Send with the idempotent producer alone, for clusters without transactions.")
    var noTransactions = false

    @Flag(help: "Print, per source partition, what would be sent; send nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Continue this replay after its last acknowledged message.", valueName: "id"))
    var resume: String?

    @Flag(help: "List the archive's replays and how far each got.")
    var list = false

    @OptionGroup var credentials: CredentialOptions

    @Option(name: .customLong("kafka-option"), help: ArgumentHelp("A librdkafka setting for the target, key=value; repeat for several. Never recorded.", valueName: "key=value"))
    var kafkaOptions: [String] = []

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            if list { return try printList() }
            if let rate, rate < 1 { throw SedimentError(.invalidArgument, "--rate must be at least 1 message per second, not \(rate)") }
            let logger = common.makeLogger()
            // Windows retention deleted are read from where they were uploaded, as a query reads them.
            let bucket = credentials.bucketSession(target: nil, logger: logger)
            defer { try? bucket.shutdownWaiting() }
            if let resume {
                // What the replay recorded decides these; a dry run of a resume would send.
                let refused = [("--topic", topic != nil), ("--from", from != nil), ("--to-topic", toTopic != nil), ("--dry-run", dryRun),
                               ("--source-headers", sourceHeaders), ("--create-topic", createTopic), ("--instance", instance != nil), ("--no-transactions", noTransactions),
                               ("--key, --key-prefix, --header", !(try filters.filter()).isEmpty)].filter(\.1).map(\.0)
                if !refused.isEmpty {
                    throw SedimentError(.invalidArgument, "--resume continues the replay as it was recorded: leave out \(refused.joined(separator: ", "))")
                }
                let replayer = Replayer(archive: try Archive.openForUpdate(at: common.archive, logger: logger), bucket: bucket, logger: logger)
                let summary = try withProgress { try replayer.resume(id: resume, brokers: brokers, kafkaOptions: try parseKafkaOptions(kafkaOptions), rate: rate, progress: $0) }
                return try print(json ? jsonText(summary) : describe(summary))
            }
            guard let topic else { throw SedimentError(.invalidArgument, "give the topic to replay with --topic (or --resume ID, or --list)") }
            guard let from else { throw SedimentError(.invalidArgument, "give the start of the range with --from") }
            let range = try TimeRangeOptions.range(from: from, to: to)
            let instance = try Archive.open(at: common.archive, logger: logger).resolveInstance(instance, topic: topic)
            if dryRun {
                let plan = try Replayer(archive: try Archive.open(at: common.archive, logger: logger), bucket: bucket, logger: logger)
                    .plan(instance: instance, topic: topic, range: range, filter: try filters.filter())
                return try print(json ? jsonText(plan) : describe(plan, topic: topic))
            }
            guard let brokers else { throw SedimentError(.invalidArgument, "give the target cluster with --brokers") }
            var options = ReplayOptions(brokers: brokers)
            options.kafkaOptions = try parseKafkaOptions(kafkaOptions)
            options.targetTopic = toTopic
            options.partitioning = partitioning
            options.rate = rate
            options.sourceHeaders = sourceHeaders
            options.createTopic = createTopic
            options.transactional = !noTransactions
            options.filter = try filters.filter()
            let replayer = Replayer(archive: try Archive.openForUpdate(at: common.archive, logger: logger), bucket: bucket, logger: logger)
            let summary = try withProgress { try replayer.start(instance: instance, topic: topic, range: range, options: options, progress: $0) }
            try print(json ? jsonText(summary) : describe(summary))
        }
    }

    /// Progress on a terminal, nothing when piped: messages acknowledged and their rate.
    private func withProgress<T>(_ body: (((ReplayProgress) -> Void)?) throws -> T) throws -> T {
        let meter = StandardError.meter(unit: "messages acknowledged")
        defer { if meter != nil { StandardError.clearProgress() } }
        return try body(meter.map { meter in { meter.update(done: $0.acknowledged) } })
    }

    private func printList() throws {
        let replays = try Archive.open(at: common.archive, logger: common.makeLogger()).replays()
        if json { return try print(jsonText(replays)) }
        if replays.isEmpty { return print("no replays") }
        for replay in replays {
            var line = "\(replay.id)  \(replay.instance)/\(replay.topic) -> \(replay.targetTopic) at \(replay.brokers)"
            line += "  [\(Timestamp.iso8601(milliseconds: replay.from)), \(Timestamp.iso8601(milliseconds: replay.to)))"
            line += "  \(replay.state.rawValue): \(replay.acknowledged)" + (replay.state == .done ? " messages" : " acknowledged")
            if let error = replay.error { line += " (\(error))" }
            print(line)
        }
    }

    private func describe(_ summary: ReplaySummary) -> String {
        var lines = summary.partitions.sorted { $0.key < $1.key }.map { partition, figures in
            "partition \(partition): \(figures.messages) messages, \(figures.bytes) bytes, offsets "
                + (figures.firstOffset.map { "\($0)...\(figures.lastOffset!)" } ?? "none")
        }
        let sent = summary.partitions.values.reduce(0) { $0 + $1.messages }
        var total = "replay \(summary.replay.id): \(sent) messages acknowledged into '\(summary.replay.targetTopic)'"
        if summary.skipped > 0 { total += ", \(summary.skipped) acknowledged before" }
        if summary.foundInTarget > 0 { total += " (\(summary.foundInTarget) of these found delivered in the target)" }
        lines.append(total)
        if summary.zeroTimestamps > 0 {
            lines.append("\(summary.zeroTimestamps) messages had timestamp 0, which Kafka clients send as the time of sending: they carry the replay's time")
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ plan: [ReplayPlanPartition], topic: String) -> String {
        var lines = plan.map { partition in
            "partition \(partition.partition): \(partition.messages) messages, \(partition.bytes) bytes, "
                + "\(partition.minTimestamp.map(Timestamp.iso8601(milliseconds:)) ?? "-") to \(partition.maxTimestamp.map(Timestamp.iso8601(milliseconds:)) ?? "-")"
        }
        lines.append("would send \(plan.reduce(0) { $0 + $1.messages }) messages of '\(topic)'; nothing sent")
        return lines.joined(separator: "\n")
    }
}

extension ReplayRecord.Partitioning: ExpressibleByArgument {}
