import ArgumentParser
import Foundation
import Logging
import Sediment
import SedimentObjectStore

/// Where windows go, and how (`upload`, `reupload`, and `dump`/`compact` with --target).
struct TargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "cos://BUCKET-APPID[/prefix]?region=R[&endpoint=URL], s3://BUCKET[/prefix]?endpoint=URL&region=R[&path-style=true], or file:///DIR. Uploads never replace an object; add &conditional-writes=false for a store without If-None-Match.",
        valueName: "uri"))
    var target: String?

    @Option(help: ArgumentHelp("Object keys: tokens {instance} {topic} {date} {hour} {timestamp} {partition} {part} {worker}.", valueName: "template"))
    var keyTemplate = KeyTemplate.defaultTemplate

    @OptionGroup var credentials: CredentialOptions

    @Option(help: ArgumentHelp("Files of this size or more go up in parts.", valueName: "size"))
    var multipartThreshold = "16MiB"

    @Option(help: ArgumentHelp("Part size (never below the store's 5 MiB minimum).", valueName: "size"))
    var partSize = "8MiB"

    @Option(help: ArgumentHelp("Parts in flight per file.", valueName: "count"))
    var uploadConcurrency = 4

    /// The uploader for `--target`, nil when none is given; secrets come from the
    /// environment or the credentials file and never appear in what this prints.
    /// The target is checked before the archive is opened, so that a refused one leaves
    /// the archive as it was: its URI, credentials and template, then (unless `records`
    /// is false: a dry run writes nothing) a write probe. The uploader then shares the
    /// archive's index.
    func makeUploader(archive path: String, continuous: Bool, records: Bool = true, logger: Logger) async throws -> WindowUploader? {
        guard let target = try prepare(continuous: continuous, records: records, logger: logger) else { return nil }
        do {
            if records { try await target.preflight(logger: logger) }
            return try target.uploader(for: Archive.openForUpdate(at: path, logger: logger), logger: logger)
        } catch {
            try? await target.store.shutdown()
            throw error
        }
    }

    /// Checks the target, the credentials and the template, and opens the store, before
    /// there is an archive to upload from (`dump` creates it once Kafka answers).
    func prepare(
        continuous: Bool, records: Bool = true, sharedByWorkers: Bool = false, splitByPartition: Bool = false, logger: Logger
    ) throws -> UploadTarget? {
        try settings()?.prepare(
            continuous: continuous, records: records, sharedByWorkers: sharedByWorkers, splitByPartition: splitByPartition, logger: logger)
    }

    /// The flags as the library's settings; nil without `--target`.
    func settings() throws -> UploadSettings? {
        guard let uri = target else { return nil }
        var settings = UploadSettings(uri: uri)
        settings.keyTemplate = keyTemplate
        settings.credentials = credentials.source
        settings.multipartThreshold = try ByteSizeExpression.parse(multipartThreshold, option: "--multipart-threshold")
        settings.partSize = try ByteSizeExpression.parse(partSize, option: "--part-size")
        settings.concurrency = uploadConcurrency
        return settings
    }
}

/// Progress on a terminal, nothing when piped: "12/40 objects, 1.2 GiB · 3.0 objects/s, 90 MiB/s · ETA 9s".
func uploadProgress() -> (@Sendable (UploadProgress) -> Void)? {
    guard let meter = StandardError.meter(unit: "objects") else { return nil }
    return { meter.update(done: $0.done, total: $0.total, bytes: $0.bytes, force: $0.done == $0.total) }
}

func describe(_ summary: UploadSummary) -> String {
    var line = "uploaded \(summary.objects) objects (\(ByteCount(summary.bytes)))"
    line += ", skipped \(summary.skipped) already present, failed \(summary.failed)"
    if summary.manifests > 0 { line += "; \(summary.manifests) manifests written" }
    return line
}
