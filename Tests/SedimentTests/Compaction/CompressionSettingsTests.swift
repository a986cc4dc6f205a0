import Foundation
import GRDB
import Testing
@testable import Sediment

/// `--compression` is recorded with the topic's settings like the level: checked per codec,
/// shown by status, and applied to windows after the last one written.
@Suite("Compression settings")
struct CompressionSettingsTests {
    static func window(_ index: Int64, count: Int = 3000) -> [Message] {
        (0..<count).map { i in
            Message(
                partition: Int32(i % 2), offset: (index * Int64(count) + Int64(i)) / 2, timestamp: windowBase + minutes(5) * index + Int64(i) * (minutes(5) - 1) / Int64(count),
                value: Array("window \(index) message \(i) \(String(repeating: "v", count: i % 90))".utf8))
        }
    }

    @Test("a level outside the codec's range, or any level with none, is refused naming the codec and value, and nothing is written")
    func levelsPerCodec() throws {
        let fixture = CompactionFixture(label: "compression-levels")
        try fixture.append(Self.window(0))
        for (arguments, said) in [
            (["--compression", "zstd", "--compression-level", "20"], "zstd compression level must be 1 to 19, not 20"),
            (["--compression", "none", "--compression-level", "3"], "compression none takes no level, not 3"),
            (["--compression-level", "12"], "topic 'orders' records no compression and takes gzip, the default: compression level must be 1 to 9, not 12 (zstd takes 1 to 19, with --compression zstd)"),
            (["--compression-level", "20"], "compression level must be 1 to 9 (gzip) or 1 to 19 (zstd), not 20"),
            (["--compression", "lz4"], "lz4"),
        ] {
            let result = try CLIProcess.run(["compact", "--archive", fixture.path, "--close-all"] + arguments, scratch: fixture.directory)
            #expect(!result.succeeded && result.stderr.contains(said), "\(arguments): \(result.summary)")
        }
        #expect(try fixture.files().isEmpty)
        // zstd takes levels gzip does not.
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--close-all", "--granularity", "5m", "--compression", "zstd", "--compression-level", "19"],
            scratch: fixture.directory)
        #expect(try fixture.files().map(\.compression) == [.zstd])
        #expect(try Archive.open(at: fixture.path).windowSettings(instance: "local", topic: "orders").last?.settings.compressionLevel == 19)
    }

    /// Refused for a gzip topic: `levelAgainstEveryTopic`.
    @Test("a level alone is checked against the codec the topic records: zstd's 12 is taken for a zstd topic")
    func levelAgainstRecordedCodec() throws {
        let zstd = CompactionFixture(label: "compression-level-zstd")
        try zstd.append(Self.window(0))
        _ = try CLIProcess.succeed(
            ["compact", "--archive", zstd.path, "--close-all", "--granularity", "5m", "--compression", "zstd"], scratch: zstd.directory)
        try zstd.append(Self.window(1))
        let taken = try CLIProcess.run(["compact", "--archive", zstd.path, "--close-all", "--compression-level", "12"], scratch: zstd.directory)
        #expect(taken.succeeded, "\(taken.summary)")
        let settings = try Archive.open(at: zstd.path).windowSettings(instance: "local", topic: "orders").map(\.settings)
        #expect(settings.map(\.compression) == [.zstd, .zstd] && settings.map(\.compressionLevel) == [3, 12], "\(settings)")
        #expect(try zstd.files().map(\.compression) == [.zstd, .zstd])
    }

    /// A topic that records nothing yet takes gzip's range, and says so: `levelsPerCodec`.
    @Test("a level given alone is checked against every topic's codec before any is changed: a zstd topic takes 12 only if the gzip one beside it does too")
    func levelAgainstEveryTopic() throws {
        let fixture = CompactionFixture(label: "compression-level-topics")
        let payments = { (index: Int64) in
            try ArchiveWriter(at: fixture.path, options: ArchiveOptions()).append(Self.window(index), instance: "local", topic: "payments")
        }
        try fixture.append(Self.window(0))
        _ = try payments(0)
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--topic", "orders", "--close-all", "--granularity", "5m", "--compression", "zstd"], scratch: fixture.directory)
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--topic", "payments", "--close-all", "--granularity", "5m"], scratch: fixture.directory)
        try fixture.append(Self.window(1))
        _ = try payments(1)
        let archive = try Archive.open(at: fixture.path)
        let settingsCount = { (topic: String) in try archive.windowSettings(instance: "local", topic: topic).count }
        let before = [try settingsCount("orders"), try settingsCount("payments"), try archive.windowFiles().count]

        let refused = try CLIProcess.run(["compact", "--archive", fixture.path, "--close-all", "--compression-level", "12"], scratch: fixture.directory)
        #expect(!refused.succeeded && refused.stderr.contains("topic 'payments' is compressed with gzip: compression level must be 1 to 9, not 12"), "\(refused.summary)")
        #expect([try settingsCount("orders"), try settingsCount("payments"), try archive.windowFiles().count] == before)
    }

    @Test("a codec (or format, or split) the index records that this Sediment does not read is an error naming the row and the value, never read as a default")
    func unknownCodecInTheIndex() throws {
        let fixture = CompactionFixture(label: "compression-unknown")
        try fixture.append(Self.window(0))
        _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--close-all", "--granularity", "5m"], scratch: fixture.directory)
        let file = try #require(try fixture.files().first)
        let database = try DatabaseQueue(path: fixture.path + "/sediment.sqlite")
        try database.write { try $0.execute(sql: "UPDATE window_files SET compression = 'lz4'") }
        let said = "the index's window_files row \(file.id) (\(file.path)) has compression 'lz4', which this Sediment does not read (gzip, zstd or none)"
        for arguments in [["query", "--topic", "orders", "--from", "0"], ["verify"]] {
            let result = try CLIProcess.run(arguments + ["--archive", fixture.path], scratch: fixture.directory)
            #expect(!result.succeeded && result.stderr.contains(said) && result.stdout.isEmpty, "\(arguments): \(result.summary)")
        }

        try database.write { db in
            try db.execute(sql: "UPDATE window_files SET compression = 'gzip'")
            try db.execute(sql: "UPDATE window_settings SET compression = 'brotli'")
        }
        try fixture.append(Self.window(1))
        let compacted = try CLIProcess.run(["compact", "--archive", fixture.path, "--close-all"], scratch: fixture.directory)
        #expect(!compacted.succeeded && compacted.stderr.contains(
            "the index's window_settings row of local/orders from the first window has compression 'brotli', which this Sediment does not read"), "\(compacted.summary)")
        #expect(try fixture.files().count == 1)

        // Every other named value of a row likewise: a format, a split, never a default.
        try database.write { db in
            try db.execute(sql: "UPDATE window_settings SET compression = 'gzip'")
            try db.execute(sql: "UPDATE window_files SET format = 'csv'")
        }
        let query = try CLIProcess.run(["verify", "--archive", fixture.path], scratch: fixture.directory)
        #expect(!query.succeeded && query.stderr.contains(
            "the index's window_files row \(file.id) (\(file.path)) has format 'csv', which this Sediment does not read (jsonl or text)"), "\(query.summary)")
        try database.write { db in
            try db.execute(sql: "UPDATE window_files SET format = 'jsonl'")
            try db.execute(sql: "UPDATE window_settings SET split = 'hourly'")
        }
        let split = try CLIProcess.run(["compact", "--archive", fixture.path, "--close-all"], scratch: fixture.directory)
        #expect(!split.succeeded && split.stderr.contains(
            "the index's window_settings row of local/orders from the first window has split 'hourly', which this Sediment does not read (none or partition)"), "\(split.summary)")
    }

    @Test("a new codec applies to windows after the last one written, at its default level; status shows it; query reads both")
    func laterWindowsOnly() throws {
        let fixture = CompactionFixture(label: "compression-later")
        try fixture.append(Self.window(0))
        _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--close-all", "--granularity", "5m"], scratch: fixture.directory)
        try fixture.append(Self.window(1) + Self.window(2))
        _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--close-all", "--compression", "zstd"], scratch: fixture.directory)
        try fixture.append(Self.window(3))
        _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--close-all", "--compression", "none"], scratch: fixture.directory)
        let files = try fixture.files()
        #expect(files.map(\.compression) == [.gzip, .zstd, .zstd, .none], "\(files.map(\.path))")
        #expect(files.map { String($0.path.split(separator: ".", maxSplits: 1).last ?? "") } == ["jsonl.gz", "jsonl.zst", "jsonl.zst", "jsonl"])
        let settings = try Archive.open(at: fixture.path).windowSettings(instance: "local", topic: "orders").map(\.settings)
        #expect(settings.map(\.compression) == [.gzip, .zstd, .none] && settings.map(\.compressionLevel) == [6, 3, 0])
        let status = String(decoding: try CLIProcess.succeed(["status", "--archive", fixture.path], scratch: fixture.directory), as: UTF8.self)
        #expect(status.contains("COMPRESSION") && status.contains(" none "), "\(status)")
        let all = try fixture.query()
        #expect(all.count == 12_000 && Set(all.map { "\($0.partition)/\($0.offset)" }).count == 12_000)
        // A range across the three codecs.
        let across = try fixture.query(windowBase + minutes(4)..<windowBase + minutes(16))
        #expect(across.count == Self.messages(in: windowBase + minutes(4)..<windowBase + minutes(16)))
    }

    static func messages(in range: Range<Int64>) -> Int {
        (0..<4).flatMap { window(Int64($0)) }.filter { range.contains($0.timestamp) }.count
    }

    @Test("verify names a changed byte inside a zstd frame, and one in its seek table")
    func verifyNamesDamage() throws {
        let fixture = CompactionFixture(label: "compression-verify")
        try fixture.append((0..<3).flatMap { Self.window($0, count: 20_000) })
        var change = WindowSettingsChange()
        change.granularity = minutes(5)
        change.compression = .zstd
        try fixture.compact(change, closeAll: true)
        let files = try fixture.files()
        let index = try Archive.open(at: fixture.path).index
        let members = try index.members(ofFile: files[0].id)
        try #require(files.count == 3 && members.count >= 2, "\(members.count) members")
        try flipByte(at: members[1].position + 100, of: fixture.path + "/" + files[0].path)
        let lastMembers = try index.members(ofFile: files[1].id)
        let table = lastMembers.last!.position + Int64(lastMembers.last!.length)
        try flipByte(at: table + 9, of: fixture.path + "/" + files[1].path)
        let result = try CLIProcess.run(["verify", "--archive", fixture.path], scratch: fixture.directory)
        #expect(result.status == ExitStatus.data, "\(result.summary)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(lines)")
        #expect(lines[0].hasPrefix("\(files[0].path): byte \(members[1].position): ") && lines[0].contains("member 1 (bytes ") && lines[0].contains("it does not inflate"), "\(lines[0])")
        #expect(lines[1].hasPrefix("\(files[1].path): byte \(table): ") && lines[1].contains("seek table entry 0 says"), "\(lines[1])")
    }
}
