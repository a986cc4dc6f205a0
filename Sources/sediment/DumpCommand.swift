import ArgumentParser
import Foundation
import Logging
import Sediment

struct DumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Consume Kafka topics into the archive, exactly once.",
        discussion: """
            Runs until SIGINT or SIGTERM, then stops fetching, writes what it holds, fsyncs, \
            commits and exits 0; uploads in flight get --shutdown-timeout to finish, and are \
            otherwise left for the next start. A second signal exits at once (safe: the next \
            start recovers as after a crash). \
            Each partition resumes from the position stored in the archive, with or without \
            --group; --start applies only to partitions the archive holds nothing of. Where the \
            broker's retention deleted offsets the archive had not read, dump resumes at the \
            oldest offset there is and records the gap (shown by status and verify). Offsets are \
            committed to the consumer group (--group) once the messages are durable, never \
            below what the group has, so lag tools see progress.

            With --group, several dump processes (each with its own --archive) share the \
            partitions through Kafka's group protocol; each records its --worker name. A \
            partition the archive holds resumes from the archive's position even when the \
            group's offset is elsewhere (expired, reset, or moved on by another worker); the \
            others from the group's committed offset, else --start.

            While it runs, dump writes the closed time windows of its topics every \
            --compact-interval, and once more when it stops, as `sediment compact` does; the \
            window options are recorded for the topics (see `sediment compact --help`). \
            --no-compact turns that off. With --until-caught-up, --close-all makes that last \
            pass close every window, however recent (in a group: this worker's partitions, in \
            its own archive), so that a one-shot export writes and uploads all it read; a \
            signal before it caught up skips that.

            --max-archive-size is backpressure instead of a full disk: once the archive takes \
            more than SIZE on disk (measured each second), fetching pauses (the group is still \
            served, what was fetched is committed) until retention brings it a 16th under SIZE: \
            segments once their windows are uploaded and confirmed, window files past \
            --local-retention (segments then roll at a 32nd of SIZE, so that retention can \
            free it in steps). During a long bucket outage the archive stops growing; fetching \
            resumes where it paused once the uploads go through. Both are logged once each, \
            and /metrics shows sediment_archive_bytes and sediment_fetch_paused.

            With --target, the windows go up as they are written (see `sediment upload \
            --help`). The target is checked before anything is consumed, by writing and \
            deleting a small probe object under its prefix: a target that cannot be written \
            stops the start (exit 69) rather than the first upload pass.

            --on-window runs a command once per window file, after it is written and, with \
            --target, uploaded; never twice for a window once it exited 0, even across \
            restarts. Hooks run one at a time beside the dump and never hold it back; a \
            failed one is retried (--hook-retries), then shown by `sediment status`. At \
            SIGTERM a running hook may finish (--shutdown-timeout), and windows whose hook \
            has not run wait for the next start; with --until-caught-up every window's hook \
            runs before the exit, which is 65 if one failed.
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("Kafka brokers, host:port[,host:port...].", valueName: "brokers"))
    var brokers: String

    @Option(name: .customLong("topic"), help: ArgumentHelp("A topic to archive; repeat for several.", valueName: "topic"))
    var topics: [String]

    @Option(help: ArgumentHelp("The Kafka cluster's name, the first level of the archive.", valueName: "name"))
    var instance = "local"

    @Option(help: ArgumentHelp("A consumer group to share the partitions with other dump processes.", valueName: "group"))
    var group: String?

    @Option(help: ArgumentHelp("For partitions the archive holds nothing of: earliest, latest, offset:N or timestamp:TIME (with --group: earliest or latest, for partitions neither the archive nor the group has a position for).", valueName: "position"))
    var start = "earliest"

    @Option(help: ArgumentHelp("Where --start offset:N begins in a partition that does not hold offset N (below its oldest message, or past its end): earliest or latest, with a warning. Without it such a start is refused, naming the partition and its offsets.", valueName: "earliest|latest"))
    var startFallback: String?

    @Flag(help: "Exit once every assigned partition has reached the high watermark it had at start.")
    var untilCaughtUp = false

    @Option(name: .customLong("kafka-option"), help: ArgumentHelp("A librdkafka setting, key=value (SASL, SSL, fetch sizes...); repeat for several.", valueName: "key=value"))
    var kafkaOptions: [String] = []

    @Option(help: ArgumentHelp("How long to keep trying to reach the brokers at start.", valueName: "duration"))
    var connectTimeout = "30s"

    @Option(help: ArgumentHelp("This process's name, recorded per partition and used by {worker} in object keys (default: the host name plus the archive's id, unique per archive); like topic names, no '/', '\\', '..' or control characters.", valueName: "name"))
    var worker: String?

    @OptionGroup var writing: WriterOptions

    @Option(help: ArgumentHelp("The longest a message waits before its batch is committed.", valueName: "duration"))
    var linger = "500ms"

    @Option(help: ArgumentHelp("Pause fetching while the archive takes more than this on disk (500MB, 2GiB), and resume once retention frees space.", valueName: "size"))
    var maxArchiveSize: String?

    @OptionGroup(title: "Compaction") var compaction: CompactionOptions

    @OptionGroup(title: "Retention") var retention: RetentionOptions

    @OptionGroup(title: "Upload") var upload: TargetOptions

    @OptionGroup(title: "Hook") var hooks: HookOptions

    @Option(help: ArgumentHelp("How often closed windows are written while dumping.", valueName: "duration"))
    var compactInterval = "30s"

    @Flag(help: "Do not write windows while dumping (run `sediment compact` separately).")
    var noCompact = false

    @Flag(help: "With --until-caught-up: once caught up, close every window that holds messages, however recent, and write it (as `sediment compact --close-all`), so that a one-shot export leaves nothing open. Later messages of those windows go into further parts.")
    var closeAll = false

    @Flag(help: "Print the closing summary as JSON.")
    var json = false

    @OptionGroup(title: "Service") var service: ServiceOptions

    func run() async throws {
        let logger = common.makeLogger()
        try await reportingAsyncErrors {
            var configuration = try makeConfiguration()
            let readiness = Readiness()
            let services = try service.services(isReady: { readiness.isReady }, archives: [("", common.archive)], logger: logger)
            configuration.shutdownTimeout = try service.shutdownDuration()
            // Checked before anything is consumed. Several workers of a group feed one
            // bucket, so their keys must tell them apart.
            configuration.upload = try upload.prepare(
                continuous: true, sharedByWorkers: group != nil, splitByPartition: compaction.split == .partition, logger: logger)
            let pipeline = try await Pipeline.starting(configuration: configuration, logger: logger)
            readiness.watch([pipeline])
            let summary = try await pipeline.run(untilSignals: [.sigterm, .sigint], alongside: services, onSecondSignal: exitAtOnce)
            try printSummary(summary)
            // A batch job reports hooks that failed; a service stopped by a signal leaves
            // them to `status`.
            if untilCaughtUp, let hooks = summary.hooks, hooks.failed > 0 {
                throw SedimentError(
                    .hookFailed,
                    "the hook failed for \(hooks.failed) windows after every retry; `sediment status` shows the last error, and they are retried at the next start")
            }
        }
    }

    private func makeConfiguration() throws -> PipelineConfiguration {
        var options = DumpOptions(brokers: brokers, topics: topics)
        options.instance = instance
        options.group = group
        options.start = try StartPosition(parsing: start, now: WallClock.nowMilliseconds())
        options.startFallback = try startFallback.map { try StartPosition(parsing: $0, now: 0) }
        options.untilCaughtUp = untilCaughtUp
        options.kafkaOptions = try parseKafkaOptions(kafkaOptions)
        options.connectTimeout = try DurationExpression.parse(connectTimeout, option: "--connect-timeout")
        options.linger = try DurationExpression.parse(linger, option: "--linger")
        options.batchBytes = writing.batchBytes
        options.maxArchiveBytes = try maxArchiveSize.map { try ByteSizeExpression.parse($0, option: "--max-archive-size") }
        if noCompact {
            if closeAll {
                throw SedimentError(.invalidArgument, "--close-all closes the windows dump writes: it cannot go with --no-compact")
            }
            if upload.target != nil {
                throw SedimentError(.invalidArgument, "--target uploads the windows dump writes: it cannot go with --no-compact")
            }
            if hooks.onWindow != nil {
                throw SedimentError(.invalidArgument, "--on-window runs for the windows dump writes: it cannot go with --no-compact")
            }
            options.compaction = nil
        } else {
            let change = try compaction.change()
            try change.validate()
            options.compaction?.change = change
            options.compaction?.interval = try DurationExpression.parse(compactInterval, option: "--compact-interval")
            options.compaction?.retention = try retention.policy()
            options.compaction?.closeAllWhenCaughtUp = closeAll
            if options.compaction?.retention.localWindowRetention != nil && upload.target == nil {
                throw SedimentError(
                    .invalidArgument,
                    "--local-retention deletes window files only once an upload target has confirmed them: give --target")
            }
        }
        var configuration = PipelineConfiguration(archive: common.archive, dump: options)
        configuration.writer.fsync = writing.fsync
        configuration.writer.worker = worker
        configuration.writer.consumerGroup = group
        configuration.uploadRetryDelay = options.compaction?.interval ?? configuration.uploadRetryDelay
        configuration.hook = try hooks.hook()
        try configuration.dump.validate()
        return configuration
    }

    private func printSummary(_ summary: DumpSummary) throws {
        print(json ? String(decoding: try JSONEncoder().encode(summary), as: UTF8.self) : describe(summary))
    }
}

/// "stored 1200 messages (88.2 KiB) in 3 batches; wrote 8 window files ..." for `dump` and `run`.
func describe(_ summary: DumpSummary) -> String {
    var line = "stored \(summary.stored) messages (\(ByteCount(summary.bytes))) in \(summary.batches) batches"
    if summary.alreadyStored > 0 { line += "; \(summary.alreadyStored) already stored, skipped" }
    if let windows = summary.compaction, windows.files > 0 {
        line += "; wrote \(windows.files) window files (\(windows.messages) messages, \(ByteCount(windows.bytes)))"
    }
    if let uploaded = summary.upload { line += "; " + describe(uploaded) }
    if let hooks = summary.hooks { line += "; " + describe(hooks) }
    return line
}
