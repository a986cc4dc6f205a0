import ArgumentParser
import Foundation
import Sediment

struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload every window file the target has not confirmed yet.",
        discussion: """
            Each file is uploaded once per key, verified (Content-MD5 on every request, the \
            returned ETags, and the object's sha256 metadata), and its state recorded in the \
            index per target: pending, uploading, uploaded or failed. Running it again is \
            always safe: a file whose upload was cut short is first looked up in the store. \
            An object is never replaced: a key that holds other bytes fails that window, \
            naming both windows. From an archive a consumer group filled, --key-template \
            must hold {worker}.

            Credentials come from the environment (COS_SECRET_ID/COS_SECRET_KEY, then \
            TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY, then the function runtime's \
            TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY/TENCENTCLOUD_SESSIONTOKEN for cos://; \
            AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for s3://; with session tokens) or \
            --credentials-file, whose profile may run a credential_process. Both are read \
            again while a command runs, and a request refused for expired credentials is \
            sent once more with refreshed ones.

            Before anything is recorded, a small .sediment-probe-<random> object is written \
            under the target's prefix and deleted: a missing bucket, refused credentials or \
            a read-only policy fail here (exit 69). Local retention (compact \
            --local-retention, and segment deletion) waits for the targets given here.
            """
    )

    @OptionGroup var common: ArchiveOption
    @OptionGroup var target: TargetOptions

    @Option(help: ArgumentHelp("Only this topic (default: every topic).", valueName: "topic"))
    var topic: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingAsyncErrors {
            guard target.target != nil else { throw SedimentError(.invalidArgument, "give the store to upload to with --target") }
            let logger = common.makeLogger()
            let uploader = try await target.makeUploader(archive: common.archive, continuous: true, logger: logger)!
            let progress = uploadProgress()
            let summary = try await uploader.closingStore { try await uploader.uploadPending(topic: topic, progress: progress) }
            if progress != nil { StandardError.clearProgress() }
            try print(json ? jsonText(summary) : describe(summary))
        }
    }
}
