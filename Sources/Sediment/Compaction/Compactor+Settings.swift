/// A change to a topic's window settings: the fields given on a command line.
public struct WindowSettingsChange: Sendable, Hashable {
    public var granularity: Int64?
    public var format: WindowSettings.Format?
    public var compression: WindowCompression?
    public var compressionLevel: Int?
    public var maxFileSize: Int64?
    public var grace: Int64?
    public var windowTime: WindowSettings.WindowTime?
    public var invalidUTF8: WindowSettings.InvalidUTF8Policy?
    public var split: WindowSettings.Split?

    public init() {}

    /// Refuses a value that no settings may hold, before anything is opened. A level given
    /// without a codec belongs to the codec the topic records, which `configure` reads:
    /// here it need only be one that gzip or zstd takes.
    public func validate() throws {
        var alone = self
        if compression == nil, let compressionLevel {
            let codecs = WindowCompression.allCases.filter { $0 != .none }
            guard codecs.contains(where: { $0.levels.contains(compressionLevel) }) else {
                throw SedimentError(
                    .invalidArgument,
                    "compression level must be "
                        + codecs.map { "\($0.levels.lowerBound) to \($0.levels.upperBound) (\($0.rawValue))" }.joined(separator: " or ")
                        + ", not \(compressionLevel)",
                    context: ["option": "compression-level", "value": "\(compressionLevel)"])
            }
            alone.compressionLevel = nil
        }
        try alone.applied(to: WindowSettings()).validate()
    }

    /// `settings.validate()`, a level given alone named with the topic's codec it does not fit
    /// (`recorded`: whether the topic records one, or takes the default).
    func validate(_ settings: WindowSettings, topic: String, recorded: Bool) throws {
        do {
            try settings.validate()
        } catch let error as SedimentError where compression == nil && compressionLevel != nil && !settings.compression.levels.contains(settings.compressionLevel) {
            let level = settings.compressionLevel
            let others = WindowCompression.allCases.filter { $0 != settings.compression && $0 != .none && $0.levels.contains(level) }
            throw SedimentError(
                error.code,
                "topic '\(topic)' " + (recorded ? "is compressed with \(settings.compression.rawValue)" : "records no compression and takes \(settings.compression.rawValue), the default")
                    + ": " + error.message
                    + others.map { " (\($0.rawValue) takes \($0.levels.lowerBound) to \($0.levels.upperBound), with `compression` \($0.rawValue))" }.joined(),
                context: error.context.merging(["topic": topic]) { kept, _ in kept })
        }
    }

    /// The topic's current settings (the defaults when it records none) and those with
    /// this change applied, refused if they do not fit.
    func checked(against entries: [WindowSchedule.Entry], topic: String) throws -> (current: WindowSettings, changed: WindowSettings) {
        let current = entries.last?.settings ?? WindowSettings()
        let changed = applied(to: current)
        try validate(changed, topic: topic, recorded: !entries.isEmpty)
        return (current, changed)
    }

    func applied(to base: WindowSettings) -> WindowSettings {
        var settings = base
        if let granularity { settings.granularity = granularity }
        if let format { settings.format = format }
        if let compression, compression != settings.compression {
            // A level belongs to its codec: a new codec without a level takes its default.
            settings.compression = compression
            settings.compressionLevel = compression.defaultLevel
        }
        if let compressionLevel { settings.compressionLevel = compressionLevel }
        if let maxFileSize { settings.maxFileSize = maxFileSize }
        if let grace { settings.grace = grace }
        if let windowTime { settings.windowTime = windowTime }
        if let invalidUTF8 { settings.invalidUTF8 = invalidUTF8 }
        if let split { settings.split = split }
        return settings
    }
}

/// What recording settings did.
public enum WindowSettingsOutcome: Sendable, Hashable {
    case unchanged(WindowSettings)
    /// The settings apply to windows from `since` on (nil: all of them, as no window is written yet).
    case recorded(WindowSettings, since: Int64?)
}

extension Compactor {
    /// Records the topic's settings: its current ones (the defaults for a topic never
    /// compacted) with `change` applied. Windows already written keep theirs.
    @discardableResult
    public func configure(instance: String, topic: String, _ change: WindowSettingsChange = .init()) throws -> WindowSettingsOutcome {
        let time = now()
        return try index.write { db in
            let entries = try index.scheduleEntries(instance: instance, topic: topic, in: db)
            let (current, settings) = try change.checked(against: entries, topic: topic)
            if !entries.isEmpty && settings == current { return .unchanged(settings) }
            let lastEnd = try index.lastWindowEnd(instance: instance, topic: topic, in: db)
            if let lastEnd, settings.windowTime != current.windowTime {
                throw SedimentError(
                    .invalidArgument,
                    "topic '\(topic)' already has windows in \(current.windowTime.rawValue) time (up to "
                        + "\(Timestamp.iso8601(milliseconds: lastEnd))): `windowTime` cannot change for it",
                    context: ["topic": topic, "option": "window-time"])
            }
            if settings.split == .partition && current.split != .partition {
                for target in try index.continuousTemplates(in: db) {
                    do {
                        try KeyTemplate(target.template).requireSplitKeys()
                    } catch let error as SedimentError {
                        throw SedimentError(
                            error.code, "topic '\(topic)' cannot be split by partition while target \(target.uri) uploads it: " + error.message,
                            context: error.context.merging(["topic": topic, "target": target.uri]) { $1 })
                    }
                }
            }
            let since = max(lastEnd ?? .min, entries.last?.since ?? .min)
            try index.insertSettings(settings, since: since, instance: instance, topic: topic, at: time, in: db)
            return .recorded(settings, since: since == .min ? nil : since)
        }
    }
}

extension Archive {
    /// Refuses `change` if it does not fit one of `topics` (a level given alone against a
    /// topic's codec), before any topic's settings are recorded or any window written. It
    /// only reads, so that a caller can refuse before opening the archive for writing.
    public func validate(_ change: WindowSettingsChange, for topics: [(instance: String, topic: String)]) throws {
        try index.read { db in
            for (instance, topic) in topics {
                _ = try change.checked(against: index.scheduleEntries(instance: instance, topic: topic, in: db), topic: topic)
            }
        }
    }

    /// A topic's window settings over time, oldest first: each applies to windows from
    /// its `since` on (nil for the first).
    public func windowSettings(instance: String, topic: String) throws -> [(since: Int64?, settings: WindowSettings)] {
        try index.read { db in
            try index.scheduleEntries(instance: instance, topic: topic, in: db).map { ($0.since == .min ? nil : $0.since, $0.settings) }
        }
    }

    /// The window files recorded, in (instance, topic, window, part) order.
    public func windowFiles(instance: String? = nil, topic: String? = nil) throws -> [WindowFile] {
        try index.windowFiles(instance: instance, topic: topic)
    }
}
