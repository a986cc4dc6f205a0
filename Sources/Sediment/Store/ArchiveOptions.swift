/// How a writer lays out and protects what it appends.
public struct ArchiveOptions: Sendable {
    /// When segment bytes are forced to disk.
    public enum FsyncPolicy: String, Sendable, CaseIterable {
        /// fsync every touched segment before each commit: a commit never names bytes
        /// the disk does not hold. The default.
        case batch
        /// Leave flushing to the OS. A power loss may cut committed data; opening the
        /// archive then truncates to what survived and resumes from there.
        case never
    }

    /// A segment file rolls once it would grow past this many bytes. Default 256 MiB.
    public var segmentBytes: Int = 256 << 20
    /// Bytes of records covered by one row of the time index. Default 256 KiB.
    public var blockBytes: Int = 256 << 10
    /// Default `.batch`.
    public var fsync: FsyncPolicy = .batch
    /// Create the archive directory and index when they do not exist. Default true.
    public var createIfMissing = true
    /// The name recorded for the partitions this writer appends to: the `sediment dump`
    /// worker. Default nil: the archive's own name (`Archive.defaultWorkerName`) when
    /// `recordsWorker` is set, else nothing. It goes into object keys (`{worker}`), so it is
    /// held to the rules of instance and topic names (`ArchiveName`).
    public var worker: String?
    /// Whether to record a worker name for the partitions appended to. Default false
    /// (`ingest`); `dump` sets it.
    public var recordsWorker = false
    /// The consumer group the partitions come through, recorded with them: an archive
    /// filled by a group shares its bucket with other workers. Default nil.
    public var consumerGroup: String?

    public init() {}
}
