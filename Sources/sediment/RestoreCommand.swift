import ArgumentParser
import Foundation
import Sediment

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring the windows of a time range back from a bucket into an archive.",
        discussion: """
            Finds the topic's windows that meet [--from, --to) from their keys (listing every \
            page under --key-template's prefix) and their manifests, downloads them, checks \
            each one's size and SHA-256 against its manifest, and indexes it as a local window \
            with its members: query, reupload and replay then read it on a machine that \
            never consumed the topic. The archive is created if it does not exist. A window \
            without a manifest is read through to find its members (a zstd one's from its seek \
            table).

            Windows the archive already holds are skipped, so a second run does nothing; \
            files local retention deleted come back once they match the index. A window \
            whose checksum does not match, or that would hide messages the archive's segments \
            hold, is reported and left out of the index, and the command exits non-zero. A window the \
            archive holds other files of gets the bucket's as its next parts.
            """
    )

    @OptionGroup var common: ArchiveOption
    @OptionGroup var target: TargetOptions

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: the only one the bucket holds the topic from).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("The topic.", valueName: "topic"))
    var topic: String

    @OptionGroup var time: TimeRangeOptions

    @Option(help: ArgumentHelp("Objects downloaded at once.", valueName: "count"))
    var downloadConcurrency = 8

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            guard target.target != nil else { throw SedimentError(.invalidArgument, "give the store to restore from with --target") }
            guard downloadConcurrency >= 1 else {
                throw SedimentError(.invalidArgument, "--download-concurrency must be at least 1, not \(downloadConcurrency)")
            }
            let range = try time.range()
            let logger = common.makeLogger()
            let prepared = try target.prepare(continuous: false, records: false, logger: logger)!
            var options = WindowRestorer.Options(template: prepared.options.template)
            options.concurrency = downloadConcurrency
            let summary = try await prepared.store.closing {
                let restorer = try WindowRestorer(archive: common.archive, store: prepared.store, options: options, logger: logger)
                let progress = restoreProgress()
                let summary = try await restorer.restore(instance: instance, topic: topic, range: range, progress: progress)
                if progress != nil { StandardError.clearProgress() }
                return summary
            }
            if json {
                print(try jsonText(summary))
            } else {
                for failure in summary.failures { StandardError.write("sediment: restore: \(failure)\n") }
                print(describe(summary))
            }
            if !summary.failures.isEmpty {
                throw SedimentError(
                    .incomplete,
                    "\(summary.failures.count) of \(summary.windows) windows were not restored (each reported above)")
            }
        }
    }

    private func describe(_ summary: RestoreSummary) -> String {
        var line = "restored \(summary.restored) windows (\(ByteCount(summary.bytes)), \(summary.messages) messages)"
        if summary.broughtBack > 0 { line += ", brought back \(summary.broughtBack) deleted locally" }
        line += ", skipped \(summary.skipped) already held, failed \(summary.failures.count)"
        if summary.rebuilt > 0 { line += "; \(summary.rebuilt) without a manifest, read through" }
        if summary.unmatchedKeys > 0 {
            line += "; \(summary.unmatchedKeys) objects under the prefix have keys --key-template cannot give, and were left alone"
        }
        return line
    }

    /// Progress on a terminal, nothing when piped: "12/40 windows, 1.2 GiB".
    private func restoreProgress() -> (@Sendable (RestoreProgress) -> Void)? {
        guard let meter = StandardError.meter(unit: "windows") else { return nil }
        return { meter.update(done: $0.done, total: $0.total, bytes: $0.bytes, force: $0.done == $0.total) }
    }
}
