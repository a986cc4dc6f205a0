import ArgumentParser
import Sediment

/// The window settings a command line can change (`compact`, `dump`). Options not given
/// keep what the archive has recorded for the topic (the defaults for a new topic).
struct CompactionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Window length: 5m, 10m, 15m, 30m, 60m or any whole number of minutes (default 60m).", valueName: "minutes"))
    var granularity: String?

    @Option(help: ArgumentHelp("jsonl (lossless, the default) or text (values as UTF-8 lines).", valueName: "format"))
    var format: WindowSettings.Format?

    @Option(help: ArgumentHelp("gzip (.gz, the default), zstd (.zst: frames with a seek table) or none (plain .jsonl/.txt).", valueName: "codec"))
    var compression: WindowCompression?

    @Option(help: ArgumentHelp("gzip 1 (fastest) to 9 (smallest), default 6; zstd 1 to 19, default 3; none takes no level.", valueName: "level"))
    var compressionLevel: Int?

    @Option(help: ArgumentHelp("Split a window into numbered parts above this compressed size (default 500MB).", valueName: "size"))
    var maxFileSize: String?

    @Option(help: ArgumentHelp("How long past its end a window waits for late messages before it closes (default 1m).", valueName: "duration"))
    var grace: String?

    @Option(help: ArgumentHelp("Which time places a message in a window: message (its Kafka timestamp, the default) or ingest.", valueName: "clock"))
    var windowTime: WindowSettings.WindowTime?

    @Option(help: ArgumentHelp("text format only, for values that are not UTF-8: error (the default), skip (counted in status) or replace (U+FFFD).", valueName: "policy"))
    var invalidUTF8: WindowSettings.InvalidUTF8Policy?

    @Option(help: ArgumentHelp("How a window is spread over files: none (one file series holding every partition, the default) or partition (one file series per partition, keyed with {partition}).", valueName: "split"))
    var split: WindowSettings.Split?

    func change() throws -> WindowSettingsChange {
        var change = WindowSettingsChange()
        if let granularity { change.granularity = try WindowSettings.granularity(parsing: granularity, option: "--granularity") }
        change.format = format
        change.compression = compression
        change.compressionLevel = compressionLevel
        if let maxFileSize { change.maxFileSize = try ByteSizeExpression.parse(maxFileSize, option: "--max-file-size") }
        if let grace { change.grace = try DurationExpression.milliseconds(grace, option: "--grace") }
        change.windowTime = windowTime
        change.invalidUTF8 = invalidUTF8
        change.split = split
        return change
    }
}

extension WindowSettings.Format: ExpressibleByArgument {}
extension WindowCompression: ExpressibleByArgument {}
extension WindowSettings.WindowTime: ExpressibleByArgument {}
extension WindowSettings.InvalidUTF8Policy: ExpressibleByArgument {}
extension WindowSettings.Split: ExpressibleByArgument {}

/// What compaction may delete once windows hold the data (`compact`, `dump`).
struct RetentionOptions: ParsableArguments {
    @Flag(help: "Keep segment files after their messages are in jsonl windows (by default they are deleted, except each partition's last).")
    var keepSegments = false

    @Option(help: ArgumentHelp("Delete local window files whose window ended longer ago than this, once every upload target has confirmed them; needs a target (default: keep them forever).", valueName: "duration"))
    var localRetention: String?

    func policy() throws -> RetentionPolicy {
        var policy = RetentionPolicy()
        policy.deleteCompactedSegments = !keepSegments
        if let localRetention {
            policy.localWindowRetention = try DurationExpression.milliseconds(localRetention, option: "--local-retention")
        }
        return policy
    }
}
