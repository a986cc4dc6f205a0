/// The library names settings as its configuration types spell them, in backticks
/// (`brokers`); the command line names its flags. One table maps the one to the other.
enum SettingFlags {
    static let flags: [String: String] = [
        "batchBytes": "--batch-bytes",
        "brokers": "--brokers",
        "connectTimeout": "--connect-timeout",
        "createTopic": "--create-topic",
        "firstOffset": "--first-offset",
        "format": "--format",
        "formatString": "--format-string",
        "group": "--group",
        "headers": "--header",
        "inputFormat": "--input-format",
        "instance": "--instance",
        "invalidUTF8": "--invalid-utf8",
        "keyPrefixes": "--key-prefix",
        "keys": "--key",
        "keyTemplate": "--key-template",
        "localWindowRetention": "--local-retention",
        "partitioning": "--partitioning",
        "skipInvalid": "--skip-invalid",
        "sourceOffsets": "--source-offsets",
        "start": "--start",
        "startFallback": "--start-fallback",
        "topic": "--topic",
        "topics": "--topic",
        "upload": "--target",
        "windowTime": "--window-time",
        "worker": "--worker",
    ]

    /// `message` with every `setting` the table knows replaced by its flag.
    static func naming(_ message: String) -> String {
        var result = ""
        var rest = Substring(message)
        while let open = rest.firstIndex(of: "`"),
            let close = rest[rest.index(after: open)...].firstIndex(of: "`") {
            let name = String(rest[rest.index(after: open)..<close])
            result += rest[..<open]
            result += flags[name] ?? "`\(name)`"
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
