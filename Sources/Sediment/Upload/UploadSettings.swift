import Foundation
import Logging
import SedimentObjectStore

/// Where windows go and how, as a command line or a config file gives it, before any
/// store is open: `prepare` checks it and opens the store into an `UploadTarget`.
public struct UploadSettings: Sendable, Hashable {
    /// `cos://`, `s3://` or `file://`; see `ObjectTarget`.
    public var uri: String
    /// Default `KeyTemplate.defaultTemplate`.
    public var keyTemplate = KeyTemplate.defaultTemplate
    /// Default `.environment`.
    public var credentials = CredentialSource.environment
    /// Files of this size or more go up in parts. Default 16 MiB.
    public var multipartThreshold: Int64 = 16 << 20
    /// Default 8 MiB (never below the store's 5 MiB minimum).
    public var partSize: Int64 = 8 << 20
    /// Parts in flight per file. Default 4.
    public var concurrency = 4

    public init(uri: String) {
        self.uri = uri
    }

    /// The target with its store open. The caller shuts the store down (a `Pipeline` or a
    /// `CompactionJob` does once it ran).
    public func prepare(
        continuous: Bool, records: Bool = true, sharedByWorkers: Bool = false, splitByPartition: Bool = false, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> UploadTarget {
        let target = try ObjectTarget(parsing: uri)
        // Checked before the store opens: an HTTP client must be shut down once made.
        var options = try uploaderOptions(sharedByWorkers: sharedByWorkers, splitByPartition: splitByPartition)
        options.continuous = continuous
        options.recordsTarget = records
        let store = try target.makeStore(credentials: try credentials.provider(for: target, logger: logger, environment: { environment }), logger: logger)
        return try UploadTarget(uri: uri, store: store, options: options, sharedByWorkers: sharedByWorkers)
    }

    private func uploaderOptions(sharedByWorkers: Bool, splitByPartition: Bool) throws -> WindowUploader.Options {
        var options = WindowUploader.Options(
            template: try KeyTemplate(keyTemplate, sharedByWorkers: sharedByWorkers, splitByPartition: splitByPartition))
        guard concurrency >= 1 else {
            throw SedimentError(.invalidArgument, "`uploadConcurrency` must be at least 1, not \(concurrency)")
        }
        options.uploader.multipartThreshold = multipartThreshold
        options.uploader.partSize = partSize
        options.uploader.concurrency = concurrency
        return options
    }
}
