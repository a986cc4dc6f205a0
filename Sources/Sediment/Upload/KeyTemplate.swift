/// Object keys for window files, from a template of tokens:
///
///     {instance} {topic} {date} {hour} {timestamp} {partition} {part} {worker}
///
/// `date` is the UTC `yyyy-MM-dd` of the window start, `hour` its `HH`, `timestamp` the
/// start in Unix seconds, `partition` the partitions the file holds joined by `-`,
/// `part` the part number and `worker` the `dump` worker that archived it (the host
/// name plus the archive's id unless `--worker` named it; `archive-<id>` for `ingest`). Unless the
/// template names `{part}`, parts from 2 on get `.partN`; the format's extension always
/// follows. The default gives the same path as the local copy under `windows/`: for the
/// file of one partition (`split` `partition`) it gives `.p<partition>` before any
/// `.partN`, as if it ended in `.p{partition}`; another template must name `{partition}`
/// when the archive splits windows by partition.
public struct KeyTemplate: Sendable, Hashable, CustomStringConvertible {
    public static let defaultTemplate = "{instance}/{topic}/{date}/{timestamp}"
    static let tokens: Set<String> = ["instance", "topic", "date", "hour", "timestamp", "partition", "part", "worker"]

    public let template: String
    let pieces: [Piece]

    enum Piece: Hashable {
        case text(String)
        case token(String)
    }

    public var description: String { template }

    /// Refuses unknown tokens, and templates under which two windows would share a key:
    /// `{topic}` and `{timestamp}` are required, and `{instance}` when the archive holds
    /// several instances, and `{worker}` when several workers feed one bucket (a
    /// consumer group).
    public init(_ template: String, instances: Int = 1, sharedByWorkers: Bool = false, splitByPartition: Bool = false) throws {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { pieces.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw Self.invalid(template, "a '{' is never closed")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.tokens.contains(name) else {
                throw Self.invalid(template, "unknown token {\(name)}; the tokens are " + Self.tokens.sorted().map { "{\($0)}" }.joined(separator: " "))
            }
            pieces.append(.token(name))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        let names = Set(pieces.compactMap { if case .token(let name) = $0 { name } else { nil } })
        func require(_ token: String, _ why: String) throws {
            guard names.contains(token) else { throw Self.invalid(template, "it lacks {\(token)}: \(why)") }
        }
        try require("topic", "two topics would write the same keys")
        try require("timestamp", "two windows of a topic would write the same key")
        if instances > 1 { try require("instance", "the archive holds several instances") }
        if sharedByWorkers && !names.contains("worker") {
            // {partition} is not enough: after a rebalance two workers write files of the
            // same window holding the same partitions.
            throw Self.invalid(template, "several workers of a consumer group share the topic: add {worker} so that their windows cannot collide")
        }
        if template.hasPrefix("/") || template.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
            throw Self.invalid(template, "keys may not start with '/' or contain '.' or '..' segments")
        }
        self.template = template
        self.pieces = pieces
        if splitByPartition { try requireSplitKeys() }
    }

    /// Throws unless the template says where a split file's partition goes: it names
    /// `{partition}`, or is the default (which adds `.p<partition>`, as the local path
    /// does). `key` would key the files apart either way; a template of the user's own
    /// should not get a suffix its author did not write.
    func requireSplitKeys() throws {
        guard !namesPartition && template != Self.defaultTemplate else { return }
        throw Self.invalid(
            template,
            "windows are split by partition (`split` partition), one file per partition: add {partition} "
                + "to say where a file's partition goes in its key (the default template adds .p<partition> itself)")
    }

    /// The key of one window file, relative to the target's prefix.
    func key(for file: WindowFile, partitions: [Int32], worker: String) -> String {
        let seconds = UTCDate.floorDivide(file.windowStart, 1000)
        var key = ""
        for piece in pieces {
            switch piece {
            case .text(let text): key += text
            case .token("instance"): key += file.instance
            case .token("topic"): key += file.topic
            case .token("date"): key += UTCDate.day(ofMilliseconds: file.windowStart)
            case .token("hour"):
                let hour = (UTCDate.floorDivide(file.windowStart, 3_600_000) % 24 + 24) % 24
                key += hour < 10 ? "0\(hour)" : "\(hour)"
            case .token("timestamp"): key += "\(seconds)"
            case .token("partition"): key += partitions.map(String.init).joined(separator: "-")
            case .token("part"): key += "\(file.part)"
            case .token("worker"): key += worker
            case .token: break
            }
        }
        key += WindowFileSuffix(splitPartition: namesPartition ? nil : file.splitPartition, part: namesPart ? 1 : file.part).text
        return key + "." + file.format.fileExtension(file.compression)
    }

    private static func invalid(_ template: String, _ reason: String) -> SedimentError {
        SedimentError(.invalidArgument, "invalid `keyTemplate` '\(template)': \(reason)", context: ["option": "key-template", "value": template])
    }
}
