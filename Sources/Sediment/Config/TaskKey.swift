/// The keys a task takes (and `defaults`, all but `name` and `archive`): the words of
/// `dump`'s flags, so that what one knows of the command line holds in the file. The
/// README's config reference documents each with its type and default; a test checks
/// that the two list the same keys.
enum TaskKey: String, CaseIterable {
    case name
    case archive
    case instance
    case brokers
    case topics
    case group
    case start
    case startFallback = "start-fallback"
    case worker
    case untilCaughtUp = "until-caught-up"
    case connectTimeout = "connect-timeout"
    case kafkaOptions = "kafka-options"
    case fsync
    case batchBytes = "batch-bytes"
    case linger
    case maxArchiveSize = "max-archive-size"
    case compact
    case compactInterval = "compact-interval"
    case closeAll = "close-all"
    case granularity
    case windowTime = "window-time"
    case grace
    case format
    case invalidUTF8 = "invalid-utf8"
    case compression
    case compressionLevel = "compression-level"
    case maxFileSize = "max-file-size"
    case split
    case keepSegments = "keep-segments"
    case localRetention = "local-retention"
    case target
    case keyTemplate = "key-template"
    case credentialsFile = "credentials-file"
    case profile
    case multipartThreshold = "multipart-threshold"
    case partSize = "part-size"
    case uploadConcurrency = "upload-concurrency"
    case onWindow = "on-window"
    case hookRetries = "hook-retries"

    /// Each task gives its own.
    static let notDefaults: Set<TaskKey> = [.name, .archive]

    /// Keys that only mean something with a `target`.
    static let uploadKeys: [TaskKey] = [.keyTemplate, .credentialsFile, .profile, .multipartThreshold, .partSize, .uploadConcurrency]
}
