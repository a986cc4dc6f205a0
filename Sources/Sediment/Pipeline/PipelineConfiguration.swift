/// What one `Pipeline` runs: a plain value, so that a command line, a config file or a
/// test can build it. Every field has a documented default but the archive and `dump`.
public struct PipelineConfiguration: Sendable {
    /// The archive directory; created once the brokers answer.
    public var archive: String
    /// What to consume, and the compaction (window settings, retention) run beside it.
    public var dump: DumpOptions
    /// How the writer lays out segments and what it records. Default: `ArchiveOptions()`
    /// with a worker name recorded (the host plus the archive's id).
    public var writer: ArchiveOptions = {
        var options = ArchiveOptions()
        options.recordsWorker = true
        return options
    }()
    /// Where closed windows go, uploaded as soon as compaction records them. It is
    /// recorded in the index before the first compaction pass, so retention waits for it.
    /// Default nil: windows stay local.
    public var upload: UploadTarget?
    /// After a failed upload pass, the next one starts this much later, or at the next
    /// window written, whichever comes first. Default 30 s.
    public var uploadRetryDelay: Duration = .seconds(30)
    /// Once a graceful shutdown begins (SIGTERM, SIGINT), uploads have this long to finish;
    /// past it they are cancelled and left resumable (recorded `uploading`, looked up in
    /// the store at the next start). A dump that stops by itself (`untilCaughtUp`) uploads
    /// everything. Default 30 s.
    public var shutdownTimeout: Duration = .seconds(30)
    /// A command run once per window file, after the file is written and, with `upload`,
    /// once the target confirmed it (the config key `on-window`; `hook-retries` is its
    /// `retries`). Its hooks run on a task of their own, one at a time, and never hold
    /// the dump back; local retention keeps a window file until its hook is done.
    /// Default nil: no hook.
    public var hook: WindowHook?
    /// The task's clock, in milliseconds since the epoch: ingest times, when windows close,
    /// retention, upload states. Default: the wall clock.
    public var now: @Sendable () -> Int64 = WallClock.nowMilliseconds

    public init(archive: String, dump: DumpOptions) {
        self.archive = archive
        self.dump = dump
    }

    /// Refuses settings that cannot work together, before anything is opened.
    public func validate() throws {
        try dump.validate()
        if upload != nil && dump.compaction == nil {
            throw SedimentError(.invalidArgument, "`upload` needs compaction (`compaction` is nil): the windows it uploads are what compaction writes")
        }
        if let hook {
            try hook.validate()
            if dump.compaction == nil {
                throw SedimentError(.invalidArgument, "`hook` needs compaction (`compaction` is nil): it runs for the windows compaction writes")
            }
        }
        if dump.compaction?.retention.localWindowRetention != nil && upload == nil {
            throw SedimentError(
                .invalidArgument,
                "`localWindowRetention` deletes window files only once an upload target has confirmed them: set `upload`")
        }
    }
}
