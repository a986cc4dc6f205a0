import ArgumentParser
import Foundation
import Logging
import Sediment

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Write the closed time windows of the archive's topics as gzip files.",
        discussion: """
            A window is [start, start + granularity), aligned in UTC, and holds the messages \
            of all partitions ordered by (timestamp, partition, offset). It closes when the \
            watermark (the lowest latest timestamp over the topic's partitions; the wall clock \
            once they are all idle) passes its end plus the grace period. Each file is a series \
            of gzip members of about 1 MiB of input, readable by any gzip tool, and is written to

              windows/<instance>/<topic>/<yyyy-MM-dd>/<start, Unix seconds>[.partN].<jsonl.gz|txt.gz>

            Messages that arrive for a window already written go into its next part; a file, \
            once written, is never rewritten. Settings given here are recorded for the topic \
            and apply to windows after the last one written; `status` shows them.

            Once the jsonl windows hold every message of a segment file, the next run deletes \
            the segment (not each partition's last one; not for text windows, which are lossy); \
            queries then read the windows. --keep-segments keeps them all.
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

    @Flag(help: "Close every window now, however recent: a final flush.")
    var closeAll = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            let change = try settings.change()
            try change.validate()
            let policy = try retention.policy()
            let logger = common.makeLogger()
            // The target is checked before anything is opened, and registered so that
            // retention waits for it before anything is compacted.
            let target = try upload.prepare(continuous: true, logger: logger)
            do {
                // Checked on a read-only connection: a refused command leaves the index as it was.
                let reader = try Archive.open(at: common.archive, logger: logger)
                let topics = try selectedTopics(in: reader)
                if policy.localWindowRetention != nil, target == nil, try !reader.hasContinuousTarget() {
                    throw SedimentError(
                        .invalidArgument,
                        "--local-retention deletes window files only once an upload target has confirmed them, and \(common.archive) has none: give --target")
                }
                // Then one archive, one index connection pool, for the compactor and the uploader.
                let archive = try Archive.openForUpdate(at: common.archive, logger: logger)
                let uploader = try target?.uploader(for: archive, logger: logger)
                let compactor = try Compactor.open(archive: archive)
                try await compact(topics, with: compactor, change: change, policy: policy, uploader: uploader)
            } catch {
                try? await target?.store.shutdown()
                throw error
            }
            try await target?.store.shutdown()
        }
    }

    /// The (instance, topic) pairs --topic and --instance select; a topic the archive
    /// does not hold is an error.
    private func selectedTopics(in archive: Archive) throws -> [(instance: String, topic: String)] {
        var topics = try archive.topics()
        if let topic {
            topics = topics.filter { $0.topic == topic && (instance == nil || $0.instance == instance) }
            if topics.isEmpty {
                throw SedimentError(.notFound, "topic '\(topic)' is not in the archive \(common.archive)", context: ["topic": topic])
            }
        } else if let instance {
            topics = topics.filter { $0.instance == instance }
        }
        return topics
    }

    private func compact(
        _ topics: [(instance: String, topic: String)], with compactor: Compactor, change: WindowSettingsChange,
        policy: RetentionPolicy, uploader: WindowUploader?
    ) async throws {
        compactor.retention = policy
        if StandardError.isTerminal && !json {
            compactor.progress = { topic, messages in StandardError.write("\r\(topic): \(messages) messages written…\u{1B}[K") }
        }
        let started = Date()
        var reports: [Report] = []
        for (instance, topic) in topics {
            let outcome = try compactor.configure(instance: instance, topic: topic, change)
            if case .recorded(_, let since?) = outcome, !json {
                print("\(topic): new settings apply to windows from \(Timestamp.iso8601(milliseconds: since))")
            }
            let summary = try compactor.compact(instance: instance, topic: topic, closeAll: closeAll)
            if compactor.progress != nil { StandardError.write("\r\u{1B}[K") }
            reports.append(Report(instance: instance, topic: topic, summary: summary))
        }
        var uploaded: UploadSummary?
        if let uploader {
            let progress = uploadProgress()
            uploaded = try await uploader.uploadPending(topic: topic, progress: progress)
            if progress != nil { StandardError.write("\r\u{1B}[K") }
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(try jsonText(reports))
            if let uploaded { print(try jsonText(uploaded)) }
            return
        }
        for report in reports {
            let summary = report.summary
            var line = "\(report.topic): \(summary.windows) windows, \(summary.files) files, \(summary.messages) messages"
            if summary.files > 0 { line += ", \(ByteCount(summary.inputBytes)) → \(ByteCount(summary.bytes))" }
            if summary.skipped > 0 { line += "; \(summary.skipped) values not UTF-8, skipped" }
            if summary.segmentsDeleted > 0 { line += "; \(summary.segmentsDeleted) compacted segments deleted" }
            if summary.windowFilesDeleted > 0 { line += "; \(summary.windowFilesDeleted) window files past retention deleted" }
            print(line)
        }
        if let uploaded { print(describe(uploaded)) }
        print("compacted in \(String(format: "%.2f", seconds)) s")
    }

    struct Report: Encodable {
        var instance: String
        var topic: String
        var summary: CompactionSummary
    }
}
