import Foundation
import Testing
@testable import Sediment

#if canImport(Glibc)
import Glibc
#endif

/// An archive holds the messages of its topics: every file and directory it creates is its
/// owner's alone (files 0600, directories 0700), whatever the umask.
@Suite("Owner-only archive files (CLI)")
struct OwnerOnlyFilesTests {
    /// Every entry under `root` (itself included) that others than the owner may use, with its mode.
    static func openToOthers(_ root: String) -> [String] {
        var found: [String] = []
        func visit(_ path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return }
            let mode = UInt32(info.st_mode) & 0o777
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            if mode & 0o077 != 0 { found.append("\(path) \(String(mode, radix: 8))") }
            guard isDirectory else { return }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { visit(path + "/" + name) }
        }
        visit(root)
        return found
    }

    static func allEntries(_ root: String) -> [String] {
        FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
    }

    @Test("with umask 022, dump + compact + upload + restore + query create nothing others can read, the index's WAL included")
    func ownerOnly() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let scratch = TemporaryDirectory(label: "owner-only")
        let kafka = try KafkaFixture(topics: ["private": 2])
        // One message every 100 ms of 2025: windows of 5 minutes, all closed by now.
        try kafka.produce(topic: "private", partitions: 2, count: 6_000, spacing: 100)
        let archive = scratch.file("archive")
        let bucket = "file://" + scratch.file("bucket")
        let dump = try CLIProcess(
            ["dump", "--archive", archive, "--brokers", kafka.bootstrap, "--topic", "private", "--granularity", "5m",
             "--compact-interval", "1s", "--target", bucket], scratch: scratch)
        // While it runs, the index's WAL and shared memory exist, before any checkpoint.
        try await eventually("the running dump has written its WAL and uploaded windows") {
            FileManager.default.fileExists(atPath: archive + "/sediment.sqlite-wal")
                && Self.allEntries(scratch.file("bucket")).contains { $0.hasSuffix(".manifest.json") }
        }
        let live = Self.openToOthers(archive)
        #expect(live.isEmpty, "while dump runs: \(live.prefix(10))")
        dump.terminate()
        let stopped = try dump.wait()
        #expect(stopped.succeeded, "\(stopped.summary)")

        _ = try CLIProcess.succeed(["compact", "--archive", archive, "--local-retention", "10m"], scratch: scratch)
        _ = try CLIProcess.succeed(["upload", "--archive", archive, "--target", bucket], scratch: scratch)
        let restored = scratch.file("restored")
        _ = try CLIProcess.succeed(
            ["restore", "--archive", restored, "--target", bucket, "--topic", "private", "--from", "0"], scratch: scratch)
        let count = try CLIProcess.succeed(["query", "--archive", archive, "--topic", "private", "--from", "0", "--count"], scratch: scratch)
        #expect(String(decoding: count, as: UTF8.self) == "6000\n", "the archive holds every message")
        _ = try CLIProcess.succeed(
            ["query", "--archive", restored, "--topic", "private", "--from", "0", "--order", "offset"], scratch: scratch)

        #expect(Self.allEntries(archive).contains { $0.hasPrefix("segments/") && $0.hasSuffix(".seg") })
        #expect(Self.allEntries(restored).contains { $0.hasPrefix("windows/") && $0.hasSuffix(".jsonl.gz") })
        #expect(Set(["sediment.sqlite", "sediment.lock", "sediment.readers.lock"]).isSubset(of: Self.allEntries(archive)))
        for root in [archive, restored, scratch.file("bucket")] {
            let open = Self.openToOthers(root)
            #expect(open.isEmpty, "\(open.count) entries others can read under \(root): \(open.prefix(10))")
        }
        withExtendedLifetime(scratch) {}
    }
}
