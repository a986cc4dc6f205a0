import ArgumentParser
import Foundation
import Sediment

struct ReuploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reupload",
        abstract: "Upload the local window files of a past time range to any target.",
        discussion: """
            For a new bucket, or the same one after an outage or a lost object. Windows that \
            meet [--from, --to) are uploaded under the keys of --key-template; an object \
            already present with the same SHA-256 is skipped, so a second run uploads \
            nothing. --dry-run lists what would be uploaded and changes nothing (not even the \
            probe object that otherwise checks, first, that the target can be written). A \
            target used only here does not hold back local retention; one that upload, dump or \
            compact --target use keeps its recorded --key-template, whatever this run's.
            """
    )

    @OptionGroup var common: ArchiveOption
    @OptionGroup var target: TargetOptions

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: the only instance holding the topic).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("The topic.", valueName: "topic"))
    var topic: String

    @OptionGroup var time: TimeRangeOptions

    @Flag(help: "List what would be uploaded; upload nothing and record nothing.")
    var dryRun = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            guard target.target != nil else { throw SedimentError(.invalidArgument, "give the store to upload to with --target") }
            let range = try time.range()
            let logger = common.makeLogger()
            // Checked on a read-only connection before the target is recorded.
            let resolved = try Archive.open(at: common.archive, logger: logger).resolveInstance(instance, topic: topic)
            let uploader = try await target.makeUploader(archive: common.archive, continuous: false, records: !dryRun, logger: logger)!
            let progress = dryRun ? nil : uploadProgress()
            let summary = try await uploader.closingStore {
                try await uploader.reupload(instance: resolved, topic: topic, range: range, dryRun: dryRun, progress: progress)
            }
            if progress != nil { StandardError.clearProgress() }
            if json {
                print(try jsonText(summary))
            } else if dryRun {
                for key in summary.wouldUpload { print("would upload \(key)") }
                print("\(summary.wouldUpload.count) objects to upload, \(summary.skipped) already present")
            } else {
                print(describe(summary))
            }
        }
    }
}
