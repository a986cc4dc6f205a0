/// The library names settings as its configuration types spell them, in backticks
/// (`brokers`, `localWindowRetention`); a front end names them as its users type them.
/// A config file's keys are the command line's flags without their dashes (`local-retention:`
/// and `--local-retention`), so one table serves both.
public enum SettingNames {
    /// The flag of each setting, without `--`.
    static let flags: [String: String] = [
        "batchBytes": "batch-bytes",
        "brokers": "brokers",
        "closeAllWhenCaughtUp": "close-all",
        "compression": "compression",
        "connectTimeout": "connect-timeout",
        "createTopic": "create-topic",
        "firstOffset": "first-offset",
        "format": "format",
        "formatString": "format-string",
        "group": "group",
        "headers": "header",
        "hook": "on-window",
        "hookRetries": "hook-retries",
        "inputFormat": "input-format",
        "instance": "instance",
        "invalidUTF8": "invalid-utf8",
        "keyPrefixes": "key-prefix",
        "keys": "key",
        "keyTemplate": "key-template",
        "localWindowRetention": "local-retention",
        "maxArchiveBytes": "max-archive-size",
        "partitioning": "partitioning",
        "skipInvalid": "skip-invalid",
        "split": "split",
        "sourceOffsets": "source-offsets",
        "start": "start",
        "startFallback": "start-fallback",
        "topic": "topic",
        "topics": "topic",
        "untilCaughtUp": "until-caught-up",
        "upload": "target",
        "uploadConcurrency": "upload-concurrency",
        "windowTime": "window-time",
        "worker": "worker",
    ]

    /// Where a config file's key is not the flag: a list where the flag repeats.
    static let configKeyExceptions: [String: String] = ["topic": "topics", "topics": "topics", "compaction": "compact"]

    /// `--flag` for a setting, nil for one the command line does not take.
    public static func flag(_ setting: String) -> String? {
        flags[setting].map { "--" + $0 }
    }

    /// A config file's key for a setting, nil for one the file does not take.
    public static func configKey(_ setting: String) -> String? {
        configKeyExceptions[setting] ?? flags[setting]
    }

    /// `message` with every `setting` that `spelling` knows replaced by what it returns;
    /// the others keep their backticks.
    public static func naming(_ message: String, _ spelling: (String) -> String?) -> String {
        var result = ""
        var rest = Substring(message)
        while let open = rest.firstIndex(of: "`"),
            let close = rest[rest.index(after: open)...].firstIndex(of: "`") {
            let name = String(rest[rest.index(after: open)..<close])
            result += rest[..<open]
            result += spelling(name) ?? "`\(name)`"
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
