import Foundation
import Testing
@testable import Sediment

/// SIGKILL `sediment compact` at random moments and rerun it: no partial file may ever be
/// visible, and in the end the window files hold every message exactly once.
@Suite("Compact crash recovery (CLI, SIGKILL)", .serialized)
struct CompactCrashTests {
    @Test("SIGKILL during compact, then a rerun: every visible file is whole, and the windows hold each message once")
    func killAndRerun() throws {
        try withTemporaryDirectory(label: "compact-crash") { scratch in
            let topic = "crash"
            let input = GeneratedTopic(topic: topic, partitions: 3, count: 100_000, seed: 0x5EED_0004)
            let inputPath = scratch.file("input.jsonl")
            try Data(input.jsonl).write(to: URL(fileURLWithPath: inputPath))
            let archive = scratch.file("archive")
            _ = try CLIProcess.succeed(
                ["ingest", "--archive", archive, "--topic", topic, "--input", inputPath, "--input-format", "jsonl"], scratch: scratch)
            let query = ["query", "--archive", archive, "--topic", topic, "--from", "\(input.minTimestamp)", "--to", "\(input.maxTimestamp + 1)"]
            let before = try CLIProcess.succeed(query, scratch: scratch)

            let compact = ["compact", "--archive", archive, "--granularity", "5m", "--close-all"]
            var rng = SeededRandom(seed: 0xDEAD)
            let interrupted = try CLIProcess.runWithKills(compact, kills: 8, delays: 30...400, scratch: scratch, rng: &rng) {
                let visible = ArchiveFiles(path: archive).visible()
                if !visible.isEmpty { _ = try CompactionFixture.run("gzip", ["-t"] + visible.map { archive + "/" + $0 }) }
            }
            #expect(interrupted >= 1, "no run was interrupted by its kill")

            let files = try Archive.open(at: archive).windowFiles(topic: topic)
            #expect(files.count > 100)
            #expect(ArchiveFiles(path: archive).visible() == files.map(\.path).sorted(), "files on disk and in the index differ")
            let everything = try files.map { try CompactionFixture.run("zcat", [archive + "/" + $0.path]) }.reduce(Data(), +)
            let counts = input.verify(try OutputLine.decodeStrict(everything))
            #expect(counts == input.messages.map(\.count), "the windows hold \(counts) messages per partition")
            #expect(try CLIProcess.succeed(query, scratch: scratch) == before)
        }
    }
}

/// The window files of an archive as the file system shows them.
struct ArchiveFiles {
    let path: String

    /// Every visible file under windows/ (hidden temporary files excluded), relative to the archive.
    func visible() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: path + "/windows") else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { !($0 as NSString).lastPathComponent.hasPrefix(".") && $0.hasSuffix(".gz") }
            .map { "windows/" + $0 }.sorted()
    }
}
