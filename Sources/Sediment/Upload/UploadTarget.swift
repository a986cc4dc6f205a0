import Logging
import SedimentObjectStore

/// A store to upload windows to, checked and opened, waiting for its archive: the
/// template is checked again against the archive once it is open (several instances
/// need `{instance}`; an archive a consumer group fills needs `{worker}`; one whose
/// windows are split by partition needs `{partition}` or the default template).
public struct UploadTarget: Sendable {
    /// As given; never holds a secret (credentials come from the environment or a file).
    public var uri: String
    public var store: any ObjectStore
    public var options: WindowUploader.Options
    /// Whether other workers feed the same bucket (`dump --group`).
    public var sharedByWorkers: Bool

    public init(uri: String, store: any ObjectStore, options: WindowUploader.Options, sharedByWorkers: Bool = false) throws {
        self.uri = uri
        self.store = store
        self.options = options
        self.sharedByWorkers = sharedByWorkers
        self.options.template = try KeyTemplate(options.template.template, sharedByWorkers: sharedByWorkers)
    }

    /// What the index records of it.
    public var record: UploadTargetRecord {
        UploadTargetRecord(uri: uri, template: options.template, continuous: options.continuous)
    }

    /// The uploader for `archive`, sharing its index.
    public func uploader(for archive: Archive, logger: Logger) throws -> WindowUploader {
        var options = options
        options.template = try KeyTemplate(
            options.template.template, instances: try archive.instanceCount(),
            sharedByWorkers: try sharedByWorkers || archive.isFilledByGroup(), splitByPartition: try archive.index.splitsByPartition())
        return try WindowUploader(archive: archive, store: store, targetURI: uri, options: options, logger: logger)
    }
}
