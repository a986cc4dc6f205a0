/// What `ArchiveDump` consumes and how.
public struct DumpOptions: Sendable {
    /// `host:port[,host:port...]`.
    public var brokers: String
    public var topics: [String]
    /// The Kafka cluster's name in the archive. Default `local`.
    public var instance = "local"
    /// A consumer group: partitions are shared with other `dump` processes of the group.
    /// Default nil: this process reads every partition of the topics.
    public var group: String?
    /// For partitions the archive holds nothing of. Default `.earliest`.
    public var start: StartPosition = .earliest
    /// Where `start` `.offset(N)` begins in a partition whose offsets do not include N
    /// (below its low watermark, or past its end): `.earliest` or `.latest`, said in a
    /// warning. Default nil: such a start is refused, naming the partition and its range.
    public var startFallback: StartPosition?
    /// Stop once every partition has reached the high watermark it had when assigned.
    /// Default false: run until stopped.
    public var untilCaughtUp = false
    /// librdkafka settings passed through (SASL, SSL, fetch sizes...); they override Sediment's.
    public var kafkaOptions: [String: String] = [:]
    /// How long to keep trying to reach the brokers at start. Default 30 s.
    public var connectTimeout: Duration = .seconds(30)
    /// A batch is committed once it holds this many bytes of records... Default 16 MiB.
    public var batchBytes = 16 << 20
    /// ...or once its oldest message has waited this long. Default 500 ms.
    public var linger: Duration = .milliseconds(500)
    /// Fetching pauses while the archive takes more than this on disk, and resumes once
    /// retention (uploads confirmed, then local deletion) brings it a 16th under (see
    /// `ArchiveSizeLimit`). Default nil: no limit.
    public var maxArchiveBytes: Int64?

    /// Why closing every window needs `untilCaughtUp`; `run --config` says it at the line.
    static let closeAllReason = "a dump that runs until stopped would close windows still receiving messages, and messages arriving for them later would go into further parts"

    /// Why a group takes no `start` offset or timestamp; `run --config` says it at the line.
    static let groupStartReason = "a partition the archive holds nothing of resumes from the group's committed offset (set it with kafka-consumer-groups --reset-offsets); use earliest or latest"

    /// Windows written while the dump runs (and once more when it stops). Default: every
    /// 30 s with the topics' recorded settings; nil: no compaction.
    public var compaction: Compaction? = Compaction()

    public struct Compaction: Sendable {
        /// Settings to record for the dumped topics before the first pass.
        public var change = WindowSettingsChange()
        /// Default 30 s.
        public var interval: Duration = .seconds(30)
        public var retention = RetentionPolicy()
        /// Upload targets to record before the first pass, so that retention waits for
        /// them from the start. Default none.
        public var targets: [UploadTargetRecord] = []
        /// With `untilCaughtUp`, once caught up the last pass closes every window that
        /// holds messages, however recent (`compact --close-all`): a one-shot export
        /// leaves nothing for a later run. In a group, caught up means this worker's
        /// partitions, and the windows closed are its own archive's. Messages of those
        /// windows that arrive later go into further parts. Not when a stop was requested
        /// first. Default false: open windows wait for a later pass.
        public var closeAllWhenCaughtUp = false

        public init() {}
    }

    public init(brokers: String, topics: [String]) {
        self.brokers = brokers
        self.topics = topics
    }

    public func validate() throws {
        if brokers.isEmpty { throw SedimentError(.invalidArgument, "`brokers` is empty: give host:port[,host:port...]") }
        if topics.isEmpty { throw SedimentError(.invalidArgument, "give at least one topic (`topics`)") }
        try ArchiveName.validate(instance, as: "instance")
        for topic in topics { try ArchiveName.validate(topic, as: "topic") }
        if let group, group.isEmpty { throw SedimentError(.invalidArgument, "`group` is empty") }
        switch (group, start) {
        case (.some, .offset), (.some, .timestamp):
            // A partition moving to another worker would restart there, archiving again.
            throw SedimentError(.invalidArgument, "`start` \(start) cannot be used with `group`: " + Self.groupStartReason)
        default: break
        }
        switch (startFallback, start) {
        case (nil, _), (.earliest?, .offset), (.latest?, .offset): break
        case (.some(let fallback), .offset):
            throw SedimentError(.invalidArgument, "`startFallback` is earliest or latest, not \(fallback)")
        case (.some, _):
            throw SedimentError(.invalidArgument, "`startFallback` applies to `start` offset:N only, not \(start)")
        }
        if compaction?.closeAllWhenCaughtUp == true && !untilCaughtUp {
            throw SedimentError(.invalidArgument, "`closeAllWhenCaughtUp` needs `untilCaughtUp`: " + Self.closeAllReason)
        }
        if batchBytes <= 0 { throw SedimentError(.invalidArgument, "`batchBytes` must be positive, got \(batchBytes)") }
        if let maxArchiveBytes, maxArchiveBytes <= 0 {
            throw SedimentError(.invalidArgument, "`maxArchiveBytes` must be positive, got \(maxArchiveBytes)")
        }
    }
}
