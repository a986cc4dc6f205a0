import Foundation
import SedimentObjectStore

/// What the checks across tasks need of one task, kept even when other keys of it are
/// wrong, so that one run reports those problems too.
struct TaskDraft {
    var mapping: ConfigMapping
    var name: String?
    var archive: String?
    var instance = "local"
    var topics: [String] = []
    var worker: String?
    var target: ObjectTarget?
    var template: KeyTemplate?
    /// The whole task, when nothing of it was wrong.
    var task: RunTask?

    /// A problem at the task's own value for `key`, or at the task when the value comes
    /// from `defaults`.
    func problem(at key: TaskKey, _ message: String) {
        if let value = mapping[key.rawValue] { value.problem(message) } else { mapping.problem(message) }
    }
}

/// Reads one task of a config file into the library's configuration values, with the
/// parsers the command line uses (durations, sizes, times, targets, templates, names):
/// every key is read and checked, and each problem recorded where its value stands.
struct TaskReader {
    let mapping: ConfigMapping
    let defaults: ConfigMapping?
    /// The config file's directory: relative paths in the file are taken from it.
    let directory: String
    let environment: [String: String]
    let now: Int64

    var problems: ConfigProblemList { mapping.problems }

    /// The task's value, else the one in `defaults`.
    func value(_ key: TaskKey) -> ConfigValue? {
        mapping[key.rawValue] ?? (TaskKey.notDefaults.contains(key) ? nil : defaults?[key.rawValue])
    }

    func required(_ key: TaskKey) -> ConfigValue? {
        if let value = value(key) { return value }
        mapping.problem("missing required key '\(key.rawValue)'")
        return nil
    }

    func string(_ key: TaskKey) -> String? { value(key)?.string() }
    func bool(_ key: TaskKey) -> Bool? { value(key)?.bool() }

    func duration(_ key: TaskKey) -> Duration? {
        value(key)?.parsed { try DurationExpression.parse($0, option: key.rawValue) }
    }

    func milliseconds(_ key: TaskKey) -> Int64? {
        value(key)?.parsed { try DurationExpression.milliseconds($0, option: key.rawValue) }
    }

    func size(_ key: TaskKey) -> Int64? {
        value(key)?.parsed { try ByteSizeExpression.parse($0, option: key.rawValue) }
    }

    /// `path` made absolute from the config file's directory.
    func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return ((expanded.hasPrefix("/") ? expanded : directory + "/" + expanded) as NSString).standardizingPath
    }

    func read() -> TaskDraft {
        let before = problems.problems.count
        mapping.rejectUnknown(TaskKey.allCases.map(\.rawValue))
        var draft = TaskDraft(mapping: mapping)
        draft.name = required(.name)?.string()
        if let name = draft.name, name.isEmpty || name.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) {
            value(.name)?.problem("a task's name must be a non-empty line of text")
        }
        if let value = required(.archive), let path = value.string() {
            draft.archive = absolute(path)
            value.reporting { try ArchiveWriter.check(ArchiveLayout(root: absolute(path)), options: ArchiveOptions()) }
        }
        let dump = readDump(into: &draft)
        let compaction = readCompaction()
        let upload = readUpload(into: &draft, group: dump?.group, compacts: compaction != nil, splits: compaction?.change.split == .partition)
        let hook = readHook()
        let fsync = value(.fsync)?.choice(ArchiveOptions.FsyncPolicy.self)
        guard problems.problems.count == before, var dump, let archive = draft.archive, let name = draft.name else { return draft }
        dump.compaction = compaction
        var configuration = PipelineConfiguration(archive: archive, dump: dump)
        configuration.writer.fsync = fsync ?? configuration.writer.fsync
        configuration.writer.worker = draft.worker
        configuration.writer.consumerGroup = dump.group
        configuration.uploadRetryDelay = compaction?.interval ?? configuration.uploadRetryDelay
        // The library's own checks, after the file's: they should find nothing left. (The
        // pipeline's, which need the upload target open, run when the task starts.)
        mapping.reportingAtTask { try configuration.dump.validate() }
        guard problems.problems.count == before else { return draft }
        draft.task = RunTask(name: name, pipeline: configuration, upload: upload, onWindowHook: hook, location: mapping.location)
        return draft
    }

    /// Kafka: what to consume, from where, and how it is batched.
    private func readDump(into draft: inout TaskDraft) -> DumpOptions? {
        let brokers = required(.brokers)?.strings(single: true)?.compactMap { text, value -> String? in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { value.problem("a broker is empty: give host:port") }
            return trimmed
        }
        if let topics = required(.topics), let list = topics.strings(single: true) {
            if list.isEmpty { topics.problem("no topics: give at least one") }
            for (index, (topic, value)) in list.enumerated() {
                value.reporting { try ArchiveName.validate(topic, as: "topic") }
                if list[..<index].contains(where: { $0.0 == topic }) { value.problem("topic '\(topic)' is listed twice") }
            }
            draft.topics = list.map(\.0)
        }
        if let value = value(.instance), let instance = value.string() {
            value.reporting { try ArchiveName.validate(instance, as: "instance") }
            draft.instance = instance
        }
        let group = string(.group)
        if group?.isEmpty == true { value(.group)?.problem("the group is empty") }
        draft.worker = string(.worker)
        if draft.worker?.isEmpty == true { value(.worker)?.problem("the worker name is empty") }
        var options = DumpOptions(brokers: brokers?.joined(separator: ",") ?? "", topics: draft.topics)
        options.instance = draft.instance
        options.group = group
        if let start = value(.start)?.parsed({ try StartPosition(parsing: $0, now: now) }) {
            options.start = start
            if group != nil && start != .earliest && start != .latest {
                value(.start)?.problem(
                    "start \(start) cannot go with a group: " + DumpOptions.groupStartReason)
            }
        }
        if let fallback = value(.startFallback)?.parsed({ try StartPosition(parsing: $0, now: now) }) {
            if fallback == .earliest || fallback == .latest {
                options.startFallback = fallback
            } else {
                value(.startFallback)?.problem("start-fallback is earliest or latest, not \(fallback)")
            }
        }
        options.untilCaughtUp = bool(.untilCaughtUp) ?? options.untilCaughtUp
        options.kafkaOptions = readKafkaOptions()
        options.connectTimeout = duration(.connectTimeout) ?? options.connectTimeout
        options.linger = duration(.linger) ?? options.linger
        if let bytes = size(.batchBytes) {
            if bytes <= 0 || bytes > Int64(Int32.max) { value(.batchBytes)?.problem("batch-bytes must be between 1 and 2GiB, not \(bytes)") }
            options.batchBytes = Int(clamping: bytes)
        }
        if let bytes = size(.maxArchiveSize) {
            if bytes <= 0 { value(.maxArchiveSize)?.problem("max-archive-size must be positive, not \(bytes)") }
            options.maxArchiveBytes = bytes
        }
        return brokers == nil ? nil : options
    }

    /// `kafka-options`: librdkafka's settings, any scalar value taken as written.
    private func readKafkaOptions() -> [String: String] {
        guard let mapping = value(.kafkaOptions)?.mapping() else { return [:] }
        var options: [String: String] = [:]
        for entry in mapping.entries {
            if let text = entry.value.string() { options[entry.key] = text }
        }
        return options
    }

    /// Windows and retention; nil with `compact: false`.
    private func readCompaction() -> DumpOptions.Compaction? {
        var compaction = DumpOptions.Compaction()
        var change = WindowSettingsChange()
        /// Each value checked alone against the defaults, so that a problem names its line.
        func checked<T>(_ key: TaskKey, _ read: T?, _ set: (inout WindowSettingsChange, T) -> Void) -> T? {
            guard let read else { return nil }
            var alone = WindowSettingsChange()
            set(&alone, read)
            value(key)?.reporting { try alone.validate() }
            return read
        }
        change.granularity = checked(.granularity, value(.granularity)?.parsed { try WindowSettings.granularity(parsing: $0, option: "granularity") }) {
            $0.granularity = $1
        }
        change.grace = checked(.grace, milliseconds(.grace)) { $0.grace = $1 }
        change.compression = value(.compression)?.choice(WindowCompression.self)
        // A level is checked against the codec named beside it; alone, against the topic's
        // recorded codec once the archive is open.
        change.compressionLevel = checked(.compressionLevel, value(.compressionLevel)?.int()) { [compression = change.compression] in
            $0.compression = compression
            $0.compressionLevel = $1
        }
        change.maxFileSize = checked(.maxFileSize, size(.maxFileSize)) { $0.maxFileSize = $1 }
        change.windowTime = value(.windowTime)?.choice(WindowSettings.WindowTime.self)
        change.format = value(.format)?.choice(WindowSettings.Format.self)
        change.invalidUTF8 = value(.invalidUTF8)?.choice(WindowSettings.InvalidUTF8Policy.self)
        change.split = value(.split)?.choice(WindowSettings.Split.self)
        compaction.change = change
        if let interval = duration(.compactInterval) {
            if interval <= .zero { value(.compactInterval)?.problem("compact-interval must be more than 0") }
            compaction.interval = interval
        }
        compaction.retention.deleteCompactedSegments = !(bool(.keepSegments) ?? false)
        compaction.retention.localWindowRetention = milliseconds(.localRetention)
        if compaction.retention.localWindowRetention != nil && value(.target) == nil {
            value(.localRetention)?.problem(
                "local-retention deletes window files only once an upload target has confirmed them: give 'target' too")
        }
        if bool(.closeAll) == true {
            if bool(.untilCaughtUp) != true {
                value(.closeAll)?.problem("close-all needs 'until-caught-up: true': " + DumpOptions.closeAllReason)
            } else if bool(.compact) == false {
                value(.closeAll)?.problem("close-all closes the windows compaction writes, and compact: false writes none")
            }
            compaction.closeAllWhenCaughtUp = true
        }
        return bool(.compact) == false ? nil : compaction
    }
}

extension ConfigMapping {
    /// Runs `body`; an error becomes a problem at the mapping (a task as a whole).
    func reportingAtTask(_ body: () throws -> Void) {
        do { try body() } catch { problem(ConfigValue.message(of: error)) }
    }
}
