import Foundation
import Yams

/// A config file for `sediment run`: one or more tasks, each a `Pipeline` of its own.
///
///     defaults:                     # optional: any task key but name and archive
///       brokers: kafka1:9092
///     tasks:
///       - name: orders
///         archive: /var/lib/sediment/orders
///         topics: [orders]
///
/// The file is YAML. It is read and checked whole before anything starts: every problem
/// (unknown keys, wrong types, values the command line would refuse, tasks that would
/// write the same keys or share an archive) is reported with its line, all at once, as
/// one usage error; nothing is opened or created. The keys are `dump`'s flags without
/// their dashes; the README's config reference lists them with their defaults.
public struct RunConfiguration: Sendable {
    /// The file, as given.
    public var file: String
    public var tasks: [RunTask]

    static let documentKeys = ["tasks", "defaults"]

    /// Reads and checks `path`. `environment` is where `credentials` come from when a task
    /// names no credentials file, and where `on-window` programs are looked up (`PATH`);
    /// `now` is what relative times (`start: timestamp:-1d`) count from.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        now: Int64 = WallClock.nowMilliseconds()
    ) throws -> RunConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SedimentError(
                .invalidArgument, "cannot read the config file \(path): \((error as NSError).localizedDescription)",
                context: ["file": path], underlying: error)
        }
        let directory = (URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path as NSString).standardizingPath
        return try parse(text, file: path, directory: directory, environment: environment, now: now)
    }

    /// Reads and checks a file's text; `file` names it in problems, `directory` is where
    /// relative paths start.
    public static func parse(
        _ text: String, file: String, directory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment, now: Int64 = WallClock.nowMilliseconds()
    ) throws -> RunConfiguration {
        let problems = ConfigProblemList(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let (message, location) = describe(error)
            problems.add(message, at: location, path: "")
            try problems.throwIfAny()
            root = nil
        }
        guard let root, let document = ConfigValue(node: root, path: "", problems: problems).mapping() else {
            if root == nil { problems.add("the file is empty: it needs 'tasks'", at: nil, path: "") }
            try problems.throwIfAny()
            return RunConfiguration(file: file, tasks: [])
        }
        document.rejectUnknown(documentKeys)
        let defaults = document["defaults"]?.mapping()
        defaults?.rejectUnknown(TaskKey.allCases.filter { !TaskKey.notDefaults.contains($0) }.map(\.rawValue)) { key in
            TaskKey(rawValue: key).map { "'\($0.rawValue)' cannot be a default: each task gives its own" }
        }
        var drafts: [TaskDraft] = []
        if let tasks = document["tasks"] {
            let items = tasks.list() ?? []
            if items.isEmpty && tasks.node.sequence != nil { tasks.problem("no tasks: give at least one") }
            for item in items {
                guard let mapping = item.mapping() else { continue }
                let reader = TaskReader(mapping: mapping, defaults: defaults, directory: directory, environment: environment, now: now)
                drafts.append(reader.read())
            }
        } else {
            document.problem("missing required key 'tasks'")
        }
        checkAcrossTasks(drafts)
        try problems.throwIfAny()
        return RunConfiguration(file: file, tasks: drafts.compactMap(\.task))
    }

    /// A YAML syntax error's message and place.
    private static func describe(_ error: any Error) -> (String, ConfigLocation?) {
        func at(_ mark: Mark) -> ConfigLocation { ConfigLocation(line: mark.line, column: mark.column) }
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _), YamlError.parser(let context, let problem, let mark, _),
            YamlError.composer(let context, let problem, let mark, _):
            return ("not valid YAML: " + problem + (context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""), at(mark))
        case YamlError.reader(let problem, let offset, let value, let yaml):
            // The reader (control characters, bad UTF-8) gives a byte offset, not a line.
            let before = yaml.utf8.prefix(max(0, offset ?? 0))
            let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            let column = before.count - (before.lastIndex(of: 0x0A).map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            let character = value >= 0 ? " (0x" + String(value, radix: 16, uppercase: true) + ")" : ""
            return ("not valid YAML: " + problem + character, ConfigLocation(line: line, column: column))
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return ("not valid YAML: " + duplicates.map { "key '\($0)' appears twice in one mapping" }.joined(separator: "; "), at(context.mark))
        default:
            return ("not valid YAML: \(error)", nil)
        }
    }
}
