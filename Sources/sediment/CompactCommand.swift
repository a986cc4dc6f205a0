import ArgumentParser
import Foundation
import Logging
import Sediment

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Write the closed time windows of the archive's topics as gzip, zstd or plain files.",
        discussion: """
            A window is [start, start + granularity), aligned in UTC, and holds the messages \
            of all partitions ordered by (timestamp, partition, offset). It closes when the \
            watermark (the lowest latest timestamp over the topic's partitions; the wall clock \
            once they are all idle) passes its end plus the grace period. Each file is a series \
            of members of about 1 MiB of input, as --compression says: gzip members that any \
            gzip tool reads (the default), independent zstd frames ending with a seek table in \
            zstd's seekable format that zstd -d and zstdcat read, or none, the plain content. \
            It is written to

              windows/<instance>/<topic>/<yyyy-MM-dd>/<start, Unix seconds>[.pP][.partN].<jsonl|txt>[.gz|.zst]

            With --split partition, each partition of a window gets its own file series \
            (.pP: partition P's messages alone, by (timestamp, offset)), as the product \
            Sediment replaces lays them out; an upload key template then needs {partition} \
            (the default adds .pP itself). Messages that arrive for a window already written \
            go into its next part (of their partition's series when split); a file, \
            once written, is never rewritten. Settings given here are recorded for the topic \
            and apply to windows after the last one written; `status` shows them.

            Once the jsonl windows hold every message of a segment file, the next run deletes \
            the segment (not each partition's last one; not for text windows, which are lossy); \
            queries then read the windows. --keep-segments keeps them all.

            With --target, the windows written go up afterwards, as `sediment upload` sends \
            them; the target is checked first with a probe object, so that one that cannot \
            be written leaves the archive as it was.

            --on-window runs a command once per window file not yet done, after compaction and \
            the upload: written (and uploaded) windows of earlier runs too, one at a time in \
            window order, retried --hook-retries times. compact exits once every ready \
            window's hook is done or failed: 65 if one failed (`sediment status` shows it).
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: every instance holding the topic).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("Compact only this topic (default: every topic).", valueName: "topic"))
    var topic: String?

    @OptionGroup var settings: CompactionOptions

    @OptionGroup(title: "Retention") var retention: RetentionOptions

    @OptionGroup(title: "Upload") var upload: TargetOptions

    @OptionGroup(title: "Hook") var hooks: HookOptions

    @Flag(help: "Close every window now, however recent: a final flush.")
    var closeAll = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            var job = CompactionJob(archive: common.archive)
            job.instance = instance
            job.topic = topic
            job.change = try settings.change()
            try job.change.validate()
            job.retention = try retention.policy()
            job.closeAll = closeAll
            job.hook = try hooks.hook()
            let logger = common.makeLogger()
            // Checked before the archive is opened: a refused target changes nothing.
            job.upload = try upload.prepare(continuous: true, splitByPartition: settings.split == .partition, logger: logger)
            let meters = json || !StandardError.isTerminal ? nil : TopicMeters(unit: "messages")
            let started = Date()
            let report = try await job.run(
                logger: logger,
                compacted: meters.map { meters in { meters.update(topic: $0.topic, done: $0.messages, total: Int($0.backlog)) } },
                uploaded: json ? nil : uploadProgress())
            if meters != nil { StandardError.clearProgress() }
            try printReport(report, seconds: Date().timeIntervalSince(started))
            if let hooks = report.hooks, hooks.failed > 0 {
                throw SedimentError(
                    .hookFailed,
                    "the hook failed for \(hooks.failed) windows after every retry; `sediment status` shows the last error, and they are retried at the next run")
            }
        }
    }

    private func printReport(_ report: CompactionJob.Report, seconds: Double) throws {
        if json {
            print(try jsonText(report.topics.map { Report(instance: $0.instance, topic: $0.topic, summary: $0.summary) }))
            if let uploaded = report.upload { print(try jsonText(uploaded)) }
            if let hooks = report.hooks { print(try jsonText(["hooks": hooks])) }
            return
        }
        for topic in report.topics {
            if case .recorded(_, let since?) = topic.settings {
                print("\(topic.topic): new settings apply to windows from \(Timestamp.iso8601(milliseconds: since))")
            }
            let summary = topic.summary
            var line = "\(topic.topic): \(summary.windows) windows, \(summary.files) files, \(summary.messages) messages"
            if summary.files > 0 { line += ", \(ByteCount(summary.inputBytes)) → \(ByteCount(summary.bytes))" }
            if summary.skipped > 0 { line += "; \(summary.skipped) values not UTF-8, skipped" }
            if summary.segmentsDeleted > 0 { line += "; \(summary.segmentsDeleted) compacted segments deleted" }
            if summary.windowFilesDeleted > 0 { line += "; \(summary.windowFilesDeleted) window files past retention deleted" }
            print(line)
        }
        if let uploaded = report.upload { print(describe(uploaded)) }
        if let hooks = report.hooks { print(describe(hooks)) }
        print("compacted in \(String(format: "%.2f", seconds)) s")
    }

    struct Report: Encodable {
        var instance: String
        var topic: String
        var summary: CompactionSummary
    }
}
