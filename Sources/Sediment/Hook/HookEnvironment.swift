import SedimentObjectStore

/// The environment a hook's command runs with: Sediment's own, less the store credentials
/// it reads, plus the window's fields.
///
/// | variable | value |
/// |---|---|
/// | `SEDIMENT_ARCHIVE` | the archive directory, absolute |
/// | `SEDIMENT_WINDOW_PATH` | the window file, absolute |
/// | `SEDIMENT_TARGET` | the upload target's URI as given (never holds a secret); unset without a target |
/// | `SEDIMENT_WINDOW_KEY` | the object's key in the bucket, the target's prefix included; unset without a target |
/// | `SEDIMENT_MANIFEST_KEY` | the key of its manifest, `SEDIMENT_WINDOW_KEY` + `.manifest.json`; unset without a target |
/// | `SEDIMENT_INSTANCE`, `SEDIMENT_TOPIC` | whose window it is |
/// | `SEDIMENT_WINDOW_START`, `SEDIMENT_WINDOW_END` | the window `[start, end)`, milliseconds since the epoch |
/// | `SEDIMENT_WINDOW_START_ISO`, `SEDIMENT_WINDOW_END_ISO` | the same as ISO-8601 UTC (`2026-11-25T10:00:00.000Z`) |
/// | `SEDIMENT_PART` | 1, 2, ...: the file's part of its window |
/// | `SEDIMENT_FORMAT` | `jsonl` or `text` |
/// | `SEDIMENT_COMPRESSION` | `gzip`, `zstd` or `none` |
/// | `SEDIMENT_MESSAGES` | the messages the file holds |
/// | `SEDIMENT_MIN_TIMESTAMP`, `SEDIMENT_MAX_TIMESTAMP` | their first and last timestamps, milliseconds |
/// | `SEDIMENT_SIZE` | the file's size in bytes |
/// | `SEDIMENT_SHA256`, `SEDIMENT_MD5` | the file's checksums, hex |
/// | `SEDIMENT_ATTEMPT` | 1 for the window's first run; more after a failed run, a crash or a shutdown |
///
/// The credential variables Sediment reads for a store (`Credentials.environmentVariableNames`:
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `COS_SECRET_ID`, ...)
/// are taken out, so that a hook never holds the archive's bucket credentials unless it
/// fetches its own; variables inherited under the names above are replaced or taken out.
enum HookEnvironment {
    /// Every variable this sets, for taking inherited ones out.
    static let names: Set<String> = [
        "SEDIMENT_ARCHIVE", "SEDIMENT_WINDOW_PATH", "SEDIMENT_TARGET", "SEDIMENT_WINDOW_KEY", "SEDIMENT_MANIFEST_KEY",
        "SEDIMENT_INSTANCE", "SEDIMENT_TOPIC", "SEDIMENT_WINDOW_START", "SEDIMENT_WINDOW_END", "SEDIMENT_WINDOW_START_ISO",
        "SEDIMENT_WINDOW_END_ISO", "SEDIMENT_PART", "SEDIMENT_PARTITION", "SEDIMENT_FORMAT", "SEDIMENT_COMPRESSION", "SEDIMENT_MESSAGES", "SEDIMENT_MIN_TIMESTAMP",
        "SEDIMENT_MAX_TIMESTAMP", "SEDIMENT_SIZE", "SEDIMENT_SHA256", "SEDIMENT_MD5", "SEDIMENT_ATTEMPT",
    ]

    /// Where a window went, for the variables that name it.
    struct Upload: Sendable {
        var target: String
        /// The object's key in the bucket.
        var key: String
    }

    /// `parent` less credentials and inherited `names`, plus the window's variables.
    static func variables(
        for file: WindowFile, archive: String, upload: Upload?, attempt: Int, parent: [String: String]
    ) -> [String: String] {
        var environment = parent.filter { !Credentials.environmentVariableNames.contains($0.key) && !names.contains($0.key) }
        let window: [String: String] = [
            "SEDIMENT_ARCHIVE": archive,
            "SEDIMENT_WINDOW_PATH": archive + "/" + file.path,
            "SEDIMENT_INSTANCE": file.instance,
            "SEDIMENT_TOPIC": file.topic,
            "SEDIMENT_WINDOW_START": "\(file.windowStart)",
            "SEDIMENT_WINDOW_END": "\(file.windowEnd)",
            "SEDIMENT_WINDOW_START_ISO": Timestamp.iso8601(milliseconds: file.windowStart),
            "SEDIMENT_WINDOW_END_ISO": Timestamp.iso8601(milliseconds: file.windowEnd),
            "SEDIMENT_PART": "\(file.part)",
            "SEDIMENT_FORMAT": file.format.rawValue,
            "SEDIMENT_COMPRESSION": file.compression.rawValue,
            "SEDIMENT_MESSAGES": "\(file.count)",
            "SEDIMENT_MIN_TIMESTAMP": "\(file.minTimestamp)",
            "SEDIMENT_MAX_TIMESTAMP": "\(file.maxTimestamp)",
            "SEDIMENT_SIZE": "\(file.size)",
            "SEDIMENT_SHA256": file.sha256,
            "SEDIMENT_MD5": file.md5,
            "SEDIMENT_ATTEMPT": "\(attempt)",
        ]
        environment.merge(window) { $1 }
        // Only a file of a window split by partition holds one partition.
        if let partition = file.splitPartition { environment["SEDIMENT_PARTITION"] = "\(partition)" }
        if let upload {
            environment["SEDIMENT_TARGET"] = upload.target
            environment["SEDIMENT_WINDOW_KEY"] = upload.key
            environment["SEDIMENT_MANIFEST_KEY"] = WindowManifest.key(forObject: upload.key)
        }
        return environment
    }
}
