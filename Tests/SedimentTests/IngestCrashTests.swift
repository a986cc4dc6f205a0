import Foundation
import Testing

/// SIGKILL `sediment ingest` at random moments, rerun it on the same input, and check
/// that the archive ends up holding every message exactly once, byte for byte. This is
/// the store's central promise (DESIGN.md, "Segment store"): positions are committed with
/// the index rows, after the bytes are durable, and recovery cuts whatever was not.
@Suite("Ingest crash recovery (CLI, SIGKILL)", .serialized)
struct IngestCrashTests {
    /// Every kill must have been absorbed: after each one, every partition holds exactly
    /// the offsets 0..<position (status counts match positions), and positions never go back.
    static func checkConsistent(_ archive: String, topic: String, after previous: [Int: Int], scratch: TemporaryDirectory) throws -> [Int: Int] {
        let status = try StatusReport.load(archive: archive, scratch: scratch)
        var positions: [Int: Int] = [:]
        for p in status.partitions where p.topic == topic {
            #expect(p.messages == p.position, "partition \(p.partition): \(p.messages) messages stored but position is \(p.position)")
            #expect(p.position >= previous[p.partition] ?? 0, "partition \(p.partition): position went back from \(previous[p.partition] ?? 0) to \(p.position)")
            positions[p.partition] = p.position
        }
        return positions
    }

    /// `CLIProcess.runWithKills` with the consistency check after every kill. The first
    /// kills may land before the index exists; later ones must leave a consistent archive.
    static func ingestWithKills(
        _ arguments: [String], archive: String, topic: String, kills: Int, scratch: TemporaryDirectory,
        rng: inout SeededRandom
    ) throws -> Int {
        var positions: [Int: Int] = [:]
        return try CLIProcess.runWithKills(arguments, kills: kills, delays: 20...300, scratch: scratch, rng: &rng) {
            if FileManager.default.fileExists(atPath: archive + "/sediment.sqlite") {
                positions = try checkConsistent(archive, topic: topic, after: positions, scratch: scratch)
            }
        }
    }

    @Test("jsonl over 3 partitions: SIGKILL + rerun stores every message exactly once")
    func jsonlKillAndRerun() throws {
        try withTemporaryDirectory(label: "crash-jsonl") { scratch in
            let topic = "crash"
            let input = GeneratedTopic(topic: topic, partitions: 3, count: 300_000, seed: 0x5EED_0001)
            let inputPath = scratch.file("input.jsonl")
            try Data(input.jsonl).write(to: URL(fileURLWithPath: inputPath))
            let archive = scratch.file("archive")
            let arguments = [
                "ingest", "--archive", archive, "--topic", topic, "--input", inputPath,
                "--input-format", "jsonl", "--batch-bytes", "65536",
            ]
            var rng = SeededRandom(seed: 0xC0FFEE)
            let interrupted = try Self.ingestWithKills(arguments, archive: archive, topic: topic, kills: 8, scratch: scratch, rng: &rng)
            // The input takes seconds to ingest, so a kill within 300 ms must interrupt the
            // first run at least; if none did, the test exercised no crash at all.
            #expect(interrupted >= 1, "no run was interrupted by its kill")

            let output = try CLIProcess.succeed(
                ["query", "--archive", archive, "--topic", topic, "--from", "\(input.minTimestamp)",
                 "--to", "\(input.maxTimestamp + 1)", "--format", "jsonl"], scratch: scratch)
            let counts = input.verify(try OutputLine.decodeStrict(output))
            #expect(counts == input.messages.map(\.count), "query returned \(counts) messages per partition")

            let status = try StatusReport.load(archive: archive, scratch: scratch)
            let stored = status.partitions.filter { $0.topic == topic }
            #expect(stored.reduce(0) { $0 + $1.messages } == input.count)
            #expect(stored.map(\.position) == input.messages.map(\.count))
        }
    }

    @Test("lines with --first-offset 0: SIGKILL + rerun stores every line exactly once")
    func linesKillAndRerun() throws {
        try withTemporaryDirectory(label: "crash-lines") { scratch in
            let topic = "lines"
            // Values as raw lines: text, empty lines, and bytes that are not UTF-8 (but never "\n").
            var rng = SeededRandom(seed: 0x11E5)
            var values: [[UInt8]] = []
            var text: [UInt8] = []
            for n in 0..<100_000 {
                let value: [UInt8] = switch n % 50 {
                case 7: []
                case 13: [0xFF, 0xFE] + (0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt8.random(in: 0x0B...0xFF, using: &rng) }
                default: Array("line \(n) \"quoted\" \\ é \(String(repeating: "x", count: n % 37))".utf8)
                }
                values.append(value)
                text += value
                text.append(0x0A)
            }
            let inputPath = scratch.file("input.txt")
            try Data(text).write(to: URL(fileURLWithPath: inputPath))
            let archive = scratch.file("archive")
            let arguments = [
                "ingest", "--archive", archive, "--topic", topic, "--input", inputPath,
                "--input-format", "lines", "--first-offset", "0", "--batch-bytes", "16384",
            ]
            let interrupted = try Self.ingestWithKills(arguments, archive: archive, topic: topic, kills: 5, scratch: scratch, rng: &rng)
            #expect(interrupted >= 1, "no run was interrupted by its kill")

            // Lines are stamped with the ingest time: query a range around now.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let output = try CLIProcess.succeed(
                ["query", "--archive", archive, "--topic", topic, "--from", "\(now - 3_600_000)", "--to", "\(now + 3_600_000)"],
                scratch: scratch)
            let lines = try OutputLine.decodeStrict(output)
            var seen = [Bool](repeating: false, count: values.count)
            var problems: [String] = []
            for line in lines {
                guard line.partition == 0, (0..<values.count).contains(line.offset) else {
                    problems.append("unexpected partition \(line.partition) offset \(line.offset)")
                    continue
                }
                if seen[line.offset] { problems.append("offset \(line.offset) returned twice") }
                seen[line.offset] = true
                if line.payload != values[line.offset] {
                    problems.append("offset \(line.offset): payload \(line.payload ?? []) != \(values[line.offset])")
                }
            }
            if let missing = seen.firstIndex(of: false) { problems.append("offset \(missing) is missing") }
            #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5))")
            #expect(lines.count == values.count)

            let status = try StatusReport.load(archive: archive, scratch: scratch)
            #expect(status.partitions.map(\.messages) == [values.count])
            #expect(status.partitions.map(\.position) == [values.count])
        }
    }
}

/// `sediment status --json`, the fields these tests read.
struct StatusReport: Decodable {
    struct Partition: Decodable {
        var topic: String
        var partition: Int
        var position: Int
        var messages: Int
    }

    var partitions: [Partition]

    static func load(archive: String, scratch: TemporaryDirectory) throws -> StatusReport {
        let data = try CLIProcess.succeed(["status", "--archive", archive, "--json"], scratch: scratch)
        return try JSONDecoder().decode(StatusReport.self, from: data)
    }
}
