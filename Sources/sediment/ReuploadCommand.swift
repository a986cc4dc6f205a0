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
            nothing. --dry-run lists what would be uploaded and changes nothing. A target \
            used only here does not hold back local retention.
            """
    )

    @OptionGroup var common: ArchiveOption
    @OptionGroup var target: TargetOptions

    @Option(help: ArgumentHelp("The Kafka cluster's name (default: the only instance holding the topic).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("The topic.", valueName: "topic"))
    var topic: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Start of the range (inclusive): ISO-8601, Unix seconds or ms, now, or -2h.", valueName: "time"))
    var from: String

    @Option(parsing: .unconditional, help: ArgumentHelp("End of the range (exclusive).", valueName: "time"))
    var to: String = "now"

    @Flag(help: "List what would be uploaded; upload nothing and record nothing.")
    var dryRun = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            guard target.target != nil else { throw SedimentError(.invalidArgument, "give the store to upload to with --target") }
            let now = WallClock.nowMilliseconds()
            let start = try TimeExpression.parse(from, now: now)
            let end = try TimeExpression.parse(to, now: now)
            guard start <= end else { throw SedimentError(.invalidArgument, "--from (\(from)) is after --to (\(to))") }
            let logger = common.makeLogger()
            let instance = try Archive.open(at: common.archive).resolveInstance(instance, topic: topic)
            let uploader = try target.makeUploader(archive: common.archive, continuous: false, records: !dryRun, logger: logger)!
            let progress = dryRun ? nil : uploadProgress()
            let summary = try await uploader.closingStore {
                try await uploader.reupload(instance: instance, topic: topic, range: start..<end, dryRun: dryRun, progress: progress)
            }
            if progress != nil { StandardError.write("\r\u{1B}[K") }
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
