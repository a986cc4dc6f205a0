import Logging

/// One task of a config file, checked whole: a `Pipeline`'s configuration, its upload
/// settings (the store opens only when the task starts) and its `on-window` hook.
public struct RunTask: Sendable {
    /// Unique in its file; logs carry it as `task`.
    public var name: String
    /// What the task's `Pipeline` runs. `upload` is nil here: `pipelineConfiguration`
    /// opens the store from `upload` below each time the task starts.
    public var pipeline: PipelineConfiguration
    /// Where its windows go; nil: they stay local.
    public var upload: UploadSettings?
    /// The hook run per window file (`on-window`, `hook-retries`); the task's pipeline
    /// runs it (`PipelineConfiguration.hook`).
    public var onWindowHook: WindowHook?
    /// Where the task starts in its file.
    public var location: ConfigLocation?

    /// The configuration with its upload target open (its credentials loaded now, so a
    /// rotated credentials file is read again at each start). The pipeline that runs it
    /// shuts the store down.
    public func pipelineConfiguration(logger: Logger) throws -> PipelineConfiguration {
        var configuration = pipeline
        configuration.hook = onWindowHook
        configuration.upload = try upload?.prepare(continuous: true, sharedByWorkers: pipeline.dump.group != nil, logger: logger)
        return configuration
    }
}
