import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `--compression gzip|zstd|none`: the same windows in each codec hold the same bytes,
/// which the usual tools read (zcat, `zstd -dc`, cat), and every reader of the archive
/// (query, verify, reupload, restore, the bucket read path) reads all three.
@Suite("Window compression")
struct WindowCompressionTests {
    /// Two 5-minute windows over 3 partitions of ~200-byte log lines, about 2.6 MB of
    /// values a window: three members or more in every codec.
    static let messages: [Message] = {
        var random = SplitMix64(seed: 17)
        let paths = ["/orders", "/cart", "/login", "/search?q=boots", "/api/v2/items/42"]
        return (0..<26_000).map { i in
            let line = "2026-11-30T18:\(10 + i % 50):07Z INFO req=\(random.next() % 1_000_000) path=\(paths[i % paths.count]) "
                + "status=\(i % 13 == 0 ? 500 : 200) took=\(random.next() % 900)ms user=u\(random.next() % 5000) "
                + String(repeating: "x", count: Int(random.next() % 60)) + " agent=Mozilla/5.0 (X11; Linux x86_64)"
            return Message(
                partition: Int32(i % 3), offset: Int64(i / 3), timestamp: windowBase + Int64(i) * minutes(10) / 26_000,
                key: Array("k\(i % 11)".utf8), value: Array(line.utf8))
        }
    }()

    /// A fixture holding `messages`, compacted into 5-minute windows with `format`, `compression` and `split`.
    static func compacted(
        _ label: String, _ format: WindowSettings.Format, _ compression: WindowCompression, maxFileSize: Int64? = nil,
        split: WindowSettings.Split? = nil
    ) throws -> CompactionFixture {
        let fixture = CompactionFixture(label: label)
        try fixture.append(messages)
        var change = WindowSettingsChange()
        change.granularity = minutes(5)
        change.format = format
        change.compression = compression
        change.maxFileSize = maxFileSize
        change.split = split
        try fixture.compact(change, closeAll: true)
        return fixture
    }

    /// The key the default template gives: the file's path under `windows/`.
    static func key(_ file: WindowFile) -> String { String(file.path.dropFirst(ArchiveLayout.windowsDirectory.count + 1)) }

    /// A file's content as the usual tool prints it: zcat, `zstd -dc`, or the bytes.
    static func decompressedWithTools(_ path: String, _ compression: WindowCompression) throws -> Data {
        switch compression {
        case .gzip: try CompactionFixture.run("zcat", [path])
        case .zstd: try CompactionFixture.run("zstd", ["-dc", path])
        case .none: try Data(contentsOf: URL(fileURLWithPath: path))
        }
    }

    @Test(
        "each format in each codec: the tools read the same content from every codec, query returns every message, verify finds nothing, a reupload verifies in its bucket",
        arguments: WindowSettings.Format.allCases)
    func roundTrip(format: WindowSettings.Format) throws {
        let scratch = TemporaryDirectory(label: "compression-round-trip")
        var contents: [WindowCompression: [Data]] = [:]
        for compression in WindowCompression.allCases {
            let fixture = try Self.compacted("compression-\(format.rawValue)-\(compression.rawValue)", format, compression)
            let files = try fixture.files()
            #expect(files.count == 2, "\(compression): \(files.map(\.path))")
            for file in files {
                #expect(file.path.hasSuffix("." + format.fileExtension(compression)) && file.compression == compression, "\(file.path)")
                #expect(try Archive.open(at: fixture.path).index.members(ofFile: file.id).count >= 2, "\(file.path): about 1 MiB of input a member")
            }
            contents[compression] = try files.map { try Self.decompressedWithTools(fixture.path + "/" + $0.path, compression) }
            if compression == .zstd { _ = try CompactionFixture.run("zstd", ["-tq"] + files.map { fixture.path + "/" + $0.path }) }
            if format == .jsonl {
                let got = try fixture.query()
                #expect(Set(got.map { "\($0.partition)/\($0.offset)" }) == Set(Self.messages.map { "\($0.partition)/\($0.offset)" }) && got.count == Self.messages.count)
                let values = { (messages: [Message]) in messages.map { $0.value ?? [] }.sorted { $0.lexicographicallyPrecedes($1) } }
                #expect(values(got) == values(Self.messages))
            } else {
                let lines = contents[compression]!.reduce(0) { $0 + $1.filter { $0 == 0x0A }.count }
                #expect(lines == Self.messages.count)
            }
            let verified = try CLIProcess.run(["verify", "--archive", fixture.path], scratch: scratch)
            #expect(verified.succeeded && verified.stdoutText.contains("no problems"), "\(compression): \(verified.summary)")

            let bucket = scratch.file("bucket-\(compression.rawValue)")
            let uri = "file://" + bucket
            _ = try CLIProcess.succeed(
                ["reupload", "--archive", fixture.path, "--target", uri, "--topic", "orders", "--from", "0", "--to", "now"], scratch: scratch)
            for file in files {
                let key = bucket + "/" + Self.key(file)
                let manifest = try WindowManifest.decode(Data(contentsOf: URL(fileURLWithPath: key + WindowManifest.keySuffix)), key: key)
                #expect(manifest.compression == compression && manifest.level == compression.defaultLevel)
                #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == fixture.contents(of: file))
            }
            let bucketVerified = try CLIProcess.run(["verify", "--archive", fixture.path, "--target", uri], scratch: scratch)
            #expect(bucketVerified.succeeded && bucketVerified.stdoutText.contains("2 objects and 2 manifests"), "\(compression): \(bucketVerified.summary)")
        }
        // The same windows: zcat, zstd -dc and the uncompressed file hold the same bytes.
        #expect(contents[.gzip] == contents[.none] && contents[.zstd] == contents[.none])
        #expect(contents[.none]?.allSatisfy { !$0.isEmpty } == true)
    }

    @Test(
        "a zstd file is frames then one skippable frame: its seek table, parsed here, lists the index's members, which tile the file; each part of a split window has its own",
        arguments: [nil, 200_000] as [Int64?])
    func seekTableMatchesFrames(maxFileSize: Int64?) throws {
        let fixture = try Self.compacted("compression-seek-table", .jsonl, .zstd, maxFileSize: maxFileSize)
        let archive = try Archive.open(at: fixture.path)
        let files = try fixture.files()
        if let maxFileSize {
            #expect(files.count > 2 && files.allSatisfy { $0.size <= maxFileSize }, "\(files.map(\.size))")
            #expect(try fixture.query().count == Self.messages.count)
        }
        for file in files {
            let bytes = [UInt8](try fixture.contents(of: file))
            let members = try archive.index.members(ofFile: file.id)
            func word(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
            // Footer: Number_Of_Frames, Seek_Table_Descriptor, Seekable_Magic_Number.
            let footer = bytes.count - 9
            #expect(word(footer + 5) == 0x8F92_EAB1 && bytes[footer + 4] == 0)
            let frames = word(footer)
            let table = footer - 8 * frames - 8
            #expect(word(table) == 0x184D_2A5E && word(table + 4) == 8 * frames + 9, "a skippable frame of the table's size")
            let entries = (0..<frames).map { (compressed: word(table + 8 + 8 * $0), decompressed: word(table + 12 + 8 * $0)) }
            #expect(entries.map(\.compressed) == members.map(\.length) && entries.map(\.decompressed) == members.map(\.inputSize))
            var position: Int64 = 0
            for member in members {
                #expect(member.position == position, "members tile the file up to the table")
                #expect(Array(bytes[Int(member.position)..<Int(member.position) + 4]) == [0x28, 0xB5, 0x2F, 0xFD], "a zstd frame starts at each member")
                // Each member alone is a whole frame the CLI inflates to its input size.
                let alone = fixture.directory.file("member-\(file.id)-\(member.ordinal).zst")
                try Data(bytes[Int(member.position)..<Int(member.position) + member.length]).write(to: URL(fileURLWithPath: alone))
                #expect(try CompactionFixture.run("zstd", ["-dc", alone]).count == member.inputSize)
                position += Int64(member.length)
            }
            #expect(Int(position) == table)
            // zstd's own listing counts the same frames, and the table as one skippable frame.
            let listing = String(decoding: try CompactionFixture.run("zstd", ["-lv", fixture.path + "/" + file.path]), as: UTF8.self)
            #expect(listing.contains("# Zstandard Frames: \(frames)") && listing.contains("# Skippable Frames: 1"), "\(listing)")
        }
    }

    @Test("compression output is the same bytes with 1 and 4 compression threads, for gzip and zstd", arguments: [WindowCompression.gzip, .zstd])
    func sameBytesWhateverTheThreads(compression: WindowCompression) throws {
        let scratch = TemporaryDirectory(label: "compression-threads")
        let source = CompactionFixture(label: "compression-threads-source")
        try source.append(Self.messages)
        var outputs: [[Data]] = []
        for threads in [1, 4] {
            let archive = scratch.file("archive-\(threads)")
            try FileManager.default.copyItem(atPath: source.path, toPath: archive)
            _ = try CLIProcess.succeed(
                ["compact", "--archive", archive, "--close-all", "--granularity", "5m", "--compression", compression.rawValue],
                scratch: scratch, environment: ["SEDIMENT_COMPRESSION_THREADS": "\(threads)"])
            let files = try Archive.open(at: archive).windowFiles(instance: "local", topic: "orders")
            #expect(files.count == 2 && files.allSatisfy { $0.compression == compression })
            outputs.append(try files.map { try Data(contentsOf: URL(fileURLWithPath: archive + "/" + $0.path)) })
        }
        #expect(outputs[0] == outputs[1] && !outputs[0].isEmpty)
    }

    @Test(
        "zstd and uncompressed windows restore from a bucket into a new archive and answer queries as the original, without a manifest too; a query with --target reads them from the bucket",
        arguments: [WindowCompression.zstd, .none])
    func restoreAndBucketQuery(compression: WindowCompression) throws {
        let fixture = try Self.compacted("compression-restore-\(compression.rawValue)", .jsonl, compression)
        let scratch = fixture.directory
        let bucket = scratch.file("bucket")
        let uri = "file://" + bucket
        _ = try CLIProcess.succeed(["upload", "--archive", fixture.path, "--target", uri], scratch: scratch)
        let restored = scratch.file("restored")
        let restore = try CLIProcess.run(
            ["restore", "--archive", restored, "--target", uri, "--topic", "orders", "--from", "0", "--to", "now"], scratch: scratch)
        #expect(restore.succeeded && restore.stdoutText.hasPrefix("restored 2 windows"), "\(restore.summary)")
        let restoredFiles = try Archive.open(at: restored).windowFiles(instance: "local", topic: "orders")
        #expect(restoredFiles.map(\.sha256) == (try fixture.files().map(\.sha256)) && restoredFiles.allSatisfy { $0.compression == compression })
        let range = ["--topic", "orders", "--from", "\(windowBase + minutes(3))", "--to", "\(windowBase + minutes(8))"]
        let original = try CLIProcess.succeed(["query", "--archive", fixture.path] + range, scratch: scratch)
        #expect(!original.isEmpty)
        #expect(try CLIProcess.succeed(["query", "--archive", restored] + range, scratch: scratch) == original)

        // An archive without the windows reads them from the bucket through their manifests.
        let empty = scratch.file("empty")
        _ = try ArchiveWriter(at: empty)
        let fromBucket = try CLIProcess.succeed(["query", "--archive", empty, "--target", uri] + range, scratch: scratch)
        #expect(fromBucket == original)

        // Without its manifest, restore finds a window's members (zstd frames from the seek
        // table, uncompressed ones where the writer cut them): it records the original's.
        let files = try fixture.files()
        try FileManager.default.removeItem(atPath: bucket + "/" + Self.key(files[1]) + WindowManifest.keySuffix)
        let rebuilt = scratch.file("rebuilt")
        let again = try CLIProcess.run(
            ["restore", "--archive", rebuilt, "--target", uri, "--topic", "orders", "--from", "0", "--to", "now"], scratch: scratch)
        #expect(again.succeeded && again.stdoutText.hasPrefix("restored 2 windows"), "\(again.summary)")
        let rebuiltArchive = try Archive.open(at: rebuilt)
        let rebuiltFile = try #require(rebuiltArchive.windowFiles(instance: "local", topic: "orders").last)
        func shape(_ rows: [MemberRow]) -> [[Int64]] {
            rows.map { [$0.position, Int64($0.length), Int64($0.inputSize), Int64($0.count), $0.minTimestamp, $0.maxTimestamp] }
        }
        #expect(shape(try rebuiltArchive.index.members(ofFile: rebuiltFile.id)) == shape(try Archive.open(at: fixture.path).index.members(ofFile: files[1].id)))
        #expect(try CLIProcess.succeed(["query", "--archive", rebuilt] + range, scratch: scratch) == original)
    }
}
