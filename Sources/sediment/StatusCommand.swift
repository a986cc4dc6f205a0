import ArgumentParser
import Foundation
import Sediment

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what an archive holds: topics, partitions, positions, messages, bytes, segments, time span.",
        discussion: """
            With --brokers, each partition's high watermark on that cluster and the lag: the \
            messages it holds past the archive's position (for one instance: --instance when \
            the archive holds several). The windows table counts the window files written per \
            topic; the targets table, per upload target, what it confirmed, what failed, what \
            is pending and the start of the oldest window it has not confirmed, with the last \
            error. Under the partitions, the offsets the broker's retention deleted before dump \
            read them (in --json, each partition's unavailableOffsets). Targets are shown in \
            their canonical spelling.
            """
    )

    @OptionGroup var common: ArchiveOption

    @Option(help: ArgumentHelp("A Kafka cluster to compare positions with: adds the high watermark and lag per partition.", valueName: "brokers"))
    var brokers: String?

    @Option(help: ArgumentHelp("The instance --brokers is (default: the archive's only one).", valueName: "name"))
    var instance: String?

    @Option(name: .customLong("kafka-option"), help: ArgumentHelp("A librdkafka setting for --brokers, key=value; repeat for several.", valueName: "key=value"))
    var kafkaOptions: [String] = []

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let archive = try Archive.open(at: common.archive, logger: common.makeLogger())
            let partitions = try archive.statistics()
            let windows = try archive.windowStatistics()
            let uploads = try archive.uploadStatistics()
            let hooks = try archive.hookStatistics()
            var lag: [PartitionLag]?
            var lagInstance: String?
            if let brokers {
                let instances = Set(partitions.map(\.instance))
                guard let chosen = instance ?? (instances.count == 1 ? instances.first : nil) else {
                    throw SedimentError(
                        .invalidArgument,
                        "the archive holds instances \(instances.sorted().joined(separator: ", ")): name the one at \(brokers) with --instance")
                }
                guard instances.contains(chosen) else {
                    throw SedimentError(
                        .notFound, "the archive holds no partitions of instance '\(chosen)' (it holds \(instances.sorted().joined(separator: ", ")))")
                }
                lagInstance = chosen
                lag = try archive.lag(instance: chosen, brokers: brokers, kafkaOptions: try parseKafkaOptions(kafkaOptions))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                var report = try archive.statusReport()
                report.lag = lag
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("archive \(archive.layout.root)")
            if partitions.isEmpty {
                print("no topics yet")
                return
            }
            let showWorkers = partitions.contains { $0.worker != nil }
            var headers = ["INSTANCE", "TOPIC", "PART", "POSITION", "MESSAGES", "BYTES", "SEGMENTS", "FROM", "TO"]
            if lag != nil { headers.insert(contentsOf: ["HIGH WATERMARK", "LAG"], at: 4) }
            if showWorkers { headers.insert("WORKER", at: 3) }
            var table = TextTable(headers: headers)
            for p in partitions {
                var row = [
                    p.instance, p.topic, "\(p.partition)", "\(p.position)", "\(p.messages)", "\(ByteCount(p.bytes))",
                    "\(p.segments)", p.minTimestamp.map(formatTime) ?? "-", p.maxTimestamp.map(formatTime) ?? "-",
                ]
                if let lag {
                    let entry = p.instance == lagInstance ? lag.first { $0.topic == p.topic && $0.partition == p.partition } : nil
                    row.insert(contentsOf: [entry.map { "\($0.highWatermark)" } ?? "-", entry.map { "\($0.lag)" } ?? "-"], at: 4)
                }
                if showWorkers { row.insert(p.worker ?? "-", at: 3) }
                table.add(row)
            }
            print(table.render(), terminator: "")
            let messages = partitions.reduce(0) { $0 + $1.messages }
            let bytes = partitions.reduce(0) { $0 + $1.bytes }
            let topics = Set(partitions.map { "\($0.instance)/\($0.topic)" }).count
            // Segments only: once compacted segments are deleted, their messages are counted
            // in the windows table instead.
            print("\(topics) topic(s), \(partitions.count) partition(s), \(messages) messages in segments, \(ByteCount(bytes))")
            for p in partitions {
                for range in p.unavailableOffsets {
                    print("\(p.instance)/\(p.topic)/\(p.partition): \(Self.describe(range)) deleted by the broker's retention before the archive read them (found \(formatTime(range.recordedAt)))")
                }
            }
            if !windows.isEmpty { print("\n" + Self.windowTable(windows), terminator: "") }
            if !uploads.isEmpty { print("\n" + Self.uploadTable(uploads), terminator: "") }
            if !hooks.isEmpty { print("\n" + Self.hookTable(hooks), terminator: "") }
        }
    }

    static func describe(_ range: UnavailableOffsets) -> String {
        range.count == 1 ? "offset \(range.firstOffset)" : "offsets \(range.firstOffset)...\(range.lastOffset) (\(range.count))"
    }

    static func uploadTable(_ uploads: [UploadStatistics]) -> String {
        var table = TextTable(headers: ["TARGET", "KEYS", "UPLOADED", "BYTES", "PENDING", "FAILED", "OLDEST PENDING"])
        var notes: [String] = []
        for u in uploads {
            table.add([
                u.target, u.keyTemplate, "\(u.uploaded)", "\(ByteCount(u.uploadedBytes))", "\(u.pending)", "\(u.failed)",
                u.oldestPending.map(formatTime) ?? "-",
            ])
            if let error = u.lastError { notes.append("\(u.target): last error: \(error)") }
        }
        return table.render() + notes.map { $0 + "\n" }.joined()
    }

    static func hookTable(_ hooks: [HookStatistics]) -> String {
        var table = TextTable(headers: ["INSTANCE", "TOPIC", "HOOKS DONE", "PENDING", "FAILED"])
        var notes: [String] = []
        for h in hooks {
            table.add([h.instance, h.topic, "\(h.done)", "\(h.pending)", "\(h.failed)"])
            if let error = h.lastError {
                notes.append("\(h.topic): hook failed for \(h.lastFailedWindow ?? "a window"): \(error.replacingOccurrences(of: "\n", with: " | "))")
            }
        }
        return table.render() + notes.map { $0 + "\n" }.joined()
    }

    static func windowTable(_ windows: [WindowStatistics]) -> String {
        var table = TextTable(headers: ["INSTANCE", "TOPIC", "WINDOW", "FORMAT", "COMPRESSION", "SPLIT", "MAX FILE", "GRACE", "FILES", "MESSAGES", "SIZE", "SKIPPED", "CLOSED TO"])
        var notes: [String] = []
        for w in windows {
            let s = w.settings
            table.add([
                w.instance, w.topic, "\(s.granularity / 60_000)m \(s.windowTime.rawValue)", s.format.rawValue,
                s.compression == .none ? "none" : "\(s.compression.rawValue) \(s.compressionLevel)", s.split.rawValue, s.maxFileSize % 1_000_000 == 0 ? "\(s.maxFileSize / 1_000_000)MB" : "\(ByteCount(s.maxFileSize))", "\(s.grace / 1000)s", "\(w.files)", "\(w.messages)",
                "\(ByteCount(w.bytes))", "\(w.skipped)", w.lastWindowEnd.map(formatTime) ?? "-",
            ])
            if let since = w.settingsSince {
                notes.append("\(w.topic): settings changed; they apply to windows from \(formatTime(since)), earlier windows keep theirs")
            }
        }
        return table.render() + notes.map { $0 + "\n" }.joined()
    }
}

func formatTime(_ milliseconds: Int64) -> String {
    Timestamp.iso8601(milliseconds: milliseconds)
}

/// Columns padded to their widest cell, like `kubectl get`.
struct TextTable {
    let headers: [String]
    private var rows: [[String]] = []

    init(headers: [String]) { self.headers = headers }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return ([headers] + rows).map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
