import Foundation
import Testing
@testable import Sediment

/// The archive on a small tmpfs that fills up: `ingest`, `dump` and `compact` stop with an
/// error naming the file they could not write, nothing committed is lost, the index stays
/// consistent (`verify` passes, every partition holds exactly the offsets below its
/// position), and once space is freed a rerun resumes where the first run stopped,
/// storing every message exactly once.
@Suite("A full disk (tmpfs, CLI)", .serialized)
struct FullDiskTests {
    /// Lines of pseudo-random letters (gzip keeps about two thirds of them), each naming its number.
    static func lines(_ count: Int, length: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { index in
            let head = Array("line \(index) ".utf8)
            return head + (0..<length - head.count).map { _ in UInt8.random(in: 0x61...0x7A, using: &random) }
        }
    }

    /// 40,000 such lines of 200 bytes in a file of the scratch directory (not on the tmpfs).
    static func input(seed: UInt64, in scratch: TemporaryDirectory) throws -> (lines: [[UInt8]], path: String) {
        let lines = Self.lines(40_000, length: 200, seed: seed)
        var text: [UInt8] = []
        text.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines { text += line + [0x0A] }
        let path = scratch.file("input.txt")
        try Data(text).write(to: URL(fileURLWithPath: path))
        return (lines, path)
    }

    /// The command failed for want of space, naming the file under `place` it could not write.
    /// The disk fills at the file being written, or, as the timing falls, at the index's
    /// commit (SQLite's own words): either way the error names where.
    static func expectNoSpace(
        _ result: CLIProcess.Result, writing place: String, archive: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!result.succeeded, sourceLocation: sourceLocation)
        let atFile = result.stderr.contains("No space left on device") && result.stderr.contains(place)
        let atIndex = result.stderr.contains("database or disk is full") && result.stderr.contains(archive + "/sediment.sqlite")
        #expect(atFile || atIndex, "\(result.stderr)", sourceLocation: sourceLocation)
    }

    /// The index agrees with itself and with the files: `verify` passes and every partition
    /// holds exactly the offsets below its position. Returns the messages stored.
    static func expectConsistent(_ archive: String, scratch: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let verified = try CLIProcess.run(["verify", "--archive", archive], scratch: scratch)
        #expect(verified.succeeded, "verify: \(verified.summary)", sourceLocation: sourceLocation)
        let status = try StatusReport.load(archive: archive, scratch: scratch)
        for partition in status.partitions {
            #expect(partition.messages == partition.position, "partition \(partition.partition): \(partition.messages) messages, position \(partition.position)", sourceLocation: sourceLocation)
        }
        return status.partitions.reduce(0) { $0 + $1.messages }
    }

    /// Every line once, at the offset of its number, byte for byte.
    static func expectLines(_ archive: String, topic: String, _ lines: [[UInt8]], scratch: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let output = try CLIProcess.succeed(
            ["query", "--archive", archive, "--topic", topic, "--from", "\(now - 3_600_000)", "--to", "\(now + 3_600_000)", "--order", "offset"],
            scratch: scratch)
        let stored = try OutputLine.decodeFast(output)
        #expect(stored.map(\.offset) == Array(0..<lines.count), "every offset once, in order", sourceLocation: sourceLocation)
        #expect(stored.count == lines.count && zip(stored, lines).allSatisfy { $0.payload == $1 }, "every line as it was", sourceLocation: sourceLocation)
    }

    @Test("ingest into a full 6 MB tmpfs stops naming the segment; a rerun after the disk grows stores all 40,000 lines once")
    func ingest() throws {
        try withTemporaryDirectory(label: "full-ingest") { scratch in
            let disk = try Tmpfs(in: scratch, size: "6m")
            let (lines, input) = try Self.input(seed: 0xF1_11, in: scratch)
            let archive = disk.path + "/archive"
            let arguments = [
                "ingest", "--archive", archive, "--topic", "lines", "--input", input, "--input-format", "lines",
                "--first-offset", "0", "--batch-bytes", "65536",
            ]
            Self.expectNoSpace(try CLIProcess.run(arguments, scratch: scratch), writing: archive + "/segments/local/lines/0/", archive: archive)
            let stored = try Self.expectConsistent(archive, scratch: scratch)
            #expect(stored > 0 && stored < lines.count, "the disk filled part way: \(stored) stored")

            try disk.resize("64m")
            _ = try CLIProcess.succeed(arguments, scratch: scratch)
            #expect(try Self.expectConsistent(archive, scratch: scratch) == lines.count)
            try Self.expectLines(archive, topic: "lines", lines, scratch: scratch)
            withExtendedLifetime(disk) {}
        }
    }

    @Test("compact on a full disk stops naming the window file and records nothing; once space is freed the rerun writes every window")
    func compact() throws {
        try withTemporaryDirectory(label: "full-compact") { scratch in
            let disk = try Tmpfs(in: scratch, size: "32m")
            let (lines, input) = try Self.input(seed: 0xF1_22, in: scratch)
            let archive = disk.path + "/archive"
            _ = try CLIProcess.succeed(
                ["ingest", "--archive", archive, "--topic", "lines", "--input", input, "--input-format", "lines", "--first-offset", "0"],
                scratch: scratch)
            let filler = try disk.fill(leaving: 1 << 20)
            let compact = ["compact", "--archive", archive, "--granularity", "5m", "--close-all"]
            Self.expectNoSpace(try CLIProcess.run(compact, scratch: scratch), writing: archive + "/windows/local/lines/", archive: archive)
            #expect(try Self.expectConsistent(archive, scratch: scratch) == lines.count)
            #expect(try Archive.open(at: archive).windowFiles(instance: "local", topic: "lines").isEmpty, "no window file recorded")
            try Self.expectLines(archive, topic: "lines", lines, scratch: scratch)
            #expect(Self.leftovers(archive).isEmpty, "the failed run left \(Self.leftovers(archive))")

            try FileManager.default.removeItem(atPath: filler)
            _ = try CLIProcess.succeed(compact, scratch: scratch)
            #expect(try Self.expectConsistent(archive, scratch: scratch) == lines.count)
            let files = try Archive.open(at: archive).windowFiles(instance: "local", topic: "lines")
            #expect(!files.isEmpty && files.reduce(0) { $0 + $1.count } == lines.count)
            try Self.expectLines(archive, topic: "lines", lines, scratch: scratch)
            withExtendedLifetime(disk) {}
        }
    }

    @Test("dump into a full 6 MB tmpfs stops naming the segment; a rerun after the disk grows archives exactly what was produced")
    func dump() throws {
        try withTemporaryDirectory(label: "full-dump") { scratch in
            let disk = try Tmpfs(in: scratch, size: "6m")
            let kafka = try KafkaFixture(topics: ["full": 4])
            // 40,000 messages of 200 bytes, 2 MB a partition: within what the mock keeps.
            try kafka.produce(topic: "full", partitions: 4, count: 40_000) { index in
                Array(String(format: "message %06d ", index).utf8) + [UInt8](repeating: UInt8(ascii: "a") + UInt8(index % 26), count: 185)
            }
            let archive = disk.path + "/archive"
            let arguments = [
                "dump", "--archive", archive, "--brokers", kafka.bootstrap, "--topic", "full", "--until-caught-up",
                "--no-compact", "--batch-bytes", "65536",
            ]
            Self.expectNoSpace(try CLIProcess.run(arguments, scratch: scratch), writing: archive + "/segments/local/full/", archive: archive)
            let stored = try Self.expectConsistent(archive, scratch: scratch)
            #expect(stored > 0 && stored < 40_000, "the disk filled part way: \(stored) stored")

            try disk.resize("64m")
            _ = try CLIProcess.succeed(arguments, scratch: scratch)
            #expect(try Self.expectConsistent(archive, scratch: scratch) == 40_000)
            try kafka.expectArchive(archive, topic: "full")
            withExtendedLifetime(disk) {}
        }
    }

    /// Temporary files under the archive's windows (`.…tmp`), which only a run in progress may hold.
    static func leftovers(_ archive: String) -> [String] {
        let root = archive + "/windows"
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".tmp") }
    }
}
