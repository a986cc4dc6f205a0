import Foundation
import GRDB
import Testing
@testable import Sediment

/// `--split partition`: each window as one file series per partition, beside the default
/// of one series holding every partition. Every reader treats both layouts the same.
@Suite("Window split by partition")
struct WindowSplitTests {
    static let messages = WindowCompressionTests.messages

    /// `messages` compacted into 5-minute jsonl windows, split by partition or not.
    static func compacted(_ label: String, split: WindowSettings.Split, compression: WindowCompression = .gzip) throws -> CompactionFixture {
        try WindowCompressionTests.compacted(label, .jsonl, compression, split: split)
    }

    static func window(of message: Message) -> Int64 { windowBase + (message.timestamp - windowBase) / minutes(5) * minutes(5) }

    @Test("in each codec, a window becomes one file per partition holding exactly that partition's messages in time order; query answers byte for byte as from the combined layout; verify finds nothing", arguments: WindowCompression.allCases)
    func onePerPartition(compression: WindowCompression) throws {
        let scratch = TemporaryDirectory(label: "split-codecs")
        let combined = try Self.compacted("split-combined-\(compression.rawValue)", split: .none, compression: compression)
        let range = ["--topic", "orders", "--from", "\(windowBase + minutes(3))", "--to", "\(windowBase + minutes(8))"]
        let expected = try CLIProcess.succeed(["query", "--archive", combined.path] + range, scratch: scratch)
        #expect(!expected.isEmpty)
        let fixture = try Self.compacted("split-\(compression.rawValue)", split: .partition, compression: compression)
        let files = try fixture.files()
        #expect(files.count == 6, "2 windows × 3 partitions: \(files.map(\.path))")
        for file in files {
            let partition = try #require(file.splitPartition, "\(file.path)")
            let seconds = file.windowStart / 1000
            #expect(file.path.hasSuffix("/\(seconds).p\(partition).\(WindowSettings.Format.jsonl.fileExtension(compression))"), "\(file.path)")
            let got = try decodeLines(WindowCompressionTests.decompressedWithTools(fixture.path + "/" + file.path, compression))
            let want = Self.messages.filter { $0.partition == partition && Self.window(of: $0) == file.windowStart }
                .sorted { ($0.timestamp, $0.offset) < ($1.timestamp, $1.offset) }
            #expect(got.map(\.offset) == want.map(\.offset) && got.map(\.value) == want.map(\.value), "\(file.path): that partition's messages, in order")
            #expect(file.count == want.count)
            #expect(try Archive.open(at: fixture.path).index.members(ofFile: file.id).reduce(0) { $0 + $1.count } == want.count, "its members hold its messages")
        }
        #expect(try CLIProcess.succeed(["query", "--archive", fixture.path] + range, scratch: scratch) == expected)
        let verified = try CLIProcess.run(["verify", "--archive", fixture.path], scratch: scratch)
        #expect(verified.succeeded && verified.stdoutText.contains("no problems"), "\(verified.summary)")
    }

    @Test("the size cap splits each partition's series into its own parts; a late message goes to a new part of its partition's series only")
    func partsAndLateMessages() throws {
        // Values of random bytes (base64 in jsonl, which gzip barely shrinks): about 3 MB of
        // file a partition, over several members.
        var random = MessageFactory(seed: 29)
        let messages = (0..<9000).map { i in
            Message(partition: Int32(i % 3), offset: Int64(i / 3), timestamp: windowBase + Int64(i) * 30, value: random.bytes(1000))
        }
        let fixture = CompactionFixture(label: "split-late")
        try fixture.append(messages)
        var change = granularity(5)
        change.split = .partition
        change.maxFileSize = 1_000_000
        try fixture.compact(change, closeAll: true)
        let before = try fixture.files()
        for partition in Int32(0)..<3 {
            let series = before.filter { $0.splitPartition == partition && $0.windowStart == windowBase }
            #expect(series.count > 1 && series.map(\.part) == Array(1...series.count), "partition \(partition): \(series.map(\.path))")
            #expect(series.allSatisfy { $0.size <= 1_000_000 })
            #expect(series.dropFirst().allSatisfy { $0.path.hasSuffix(".p\(partition).part\($0.part).jsonl.gz") }, "\(series.map(\.path))")
        }
        let lastOfOne = before.filter { $0.splitPartition == 1 && $0.windowStart == windowBase }.map(\.part).max()!

        let late = Message(partition: 1, offset: 3000, timestamp: windowBase + 5, value: Array("late".utf8))
        try fixture.append([late])
        try fixture.compact(closeAll: true)
        let added = try fixture.files().filter { file in !before.contains { $0.id == file.id } }
        #expect(added.count == 1, "\(added.map(\.path))")
        #expect(added.first?.splitPartition == 1 && added.first?.part == lastOfOne + 1 && added.first?.windowStart == windowBase)
        #expect(added.first?.path.hasSuffix("/\(windowBase / 1000).p1.part\(lastOfOne + 1).jsonl.gz") == true, "\(added.map(\.path))")
        let all = try fixture.query()
        #expect(all.count == messages.count + 1 && all.filter { $0.partition == 1 }.map(\.offset).sorted() == Array(0...3000))
    }

    @Test("a split set on a topic applies to windows after the last one written; a late message keeps its window's layout; a query across both layouts is as from one")
    func changeAppliesToLaterWindows() throws {
        let scratch = TemporaryDirectory(label: "split-change")
        let firstHalf = Self.messages.filter { $0.timestamp < windowBase + minutes(5) }
        let secondHalf = Self.messages.filter { $0.timestamp >= windowBase + minutes(5) }
        let late = Message(
            partition: 2, offset: Int64(Self.messages.filter { $0.partition == 2 }.count), timestamp: windowBase + 7, value: Array("late".utf8))

        let fixture = CompactionFixture(label: "split-change-mixed")
        let change = granularity(5)
        try fixture.append(firstHalf)
        try fixture.compact(change, closeAll: true)
        var split = WindowSettingsChange()
        split.split = .partition
        let outcome = try fixture.compactor().configure(instance: "local", topic: "orders", split)
        #expect(outcome == .recorded(try #require(try Archive.open(at: fixture.path).windowSettings(instance: "local", topic: "orders").last?.settings), since: windowBase + minutes(5)))
        try fixture.append(secondHalf + [late])
        try fixture.compact(closeAll: true)
        let files = try fixture.files()
        #expect(files.filter { $0.windowStart == windowBase }.allSatisfy { $0.splitPartition == nil }, "\(files.map(\.path))")
        #expect(files.filter { $0.windowStart == windowBase }.map(\.part) == [1, 2], "the late message in a new part of the combined series")
        #expect(files.filter { $0.windowStart > windowBase }.map(\.splitPartition) == [0, 1, 2], "\(files.map(\.path))")

        let reference = CompactionFixture(label: "split-change-combined")
        try reference.append(Self.messages + [late])
        try reference.compact(change, closeAll: true)
        let range = ["--topic", "orders", "--from", "\(windowBase + minutes(2))", "--to", "\(windowBase + minutes(9))"]
        let expected = try CLIProcess.succeed(["query", "--archive", reference.path] + range, scratch: scratch)
        #expect(try CLIProcess.succeed(["query", "--archive", fixture.path] + range, scratch: scratch) == expected)

        let status = try CLIProcess.succeed(["status", "--archive", fixture.path], scratch: scratch)
        let text = String(decoding: status, as: UTF8.self)
        #expect(text.contains("SPLIT") && text.contains(" partition "), "\(text)")
    }

    @Test("a key template without {partition} is refused for a split topic, naming it; the default and templates with {partition} are taken")
    func templateWithoutPartitionRefused() throws {
        let fixture = try Self.compacted("split-template", split: .partition)
        let scratch = fixture.directory
        let uri = "file://" + scratch.file("bucket")
        let refused = try CLIProcess.run(
            ["reupload", "--archive", fixture.path, "--target", uri, "--key-template", "{instance}/{topic}/{timestamp}",
             "--topic", "orders", "--from", "0", "--to", "now"], scratch: scratch)
        #expect(!refused.succeeded && refused.stderr.contains("{instance}/{topic}/{timestamp}") && refused.stderr.contains("add {partition}"), "\(refused.summary)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("bucket") + "/local"), "nothing uploaded")

        // A target without {partition} already uploading a topic: the topic cannot become split.
        let other = CompactionFixture(label: "split-template-continuous")
        try other.append(Array(Self.messages.prefix(300)))
        let continuous = try CLIProcess.run(
            ["compact", "--archive", other.path, "--close-all", "--target", uri + "-2", "--key-template", "{topic}/{timestamp}"], scratch: scratch)
        #expect(continuous.succeeded, "\(continuous.summary)")
        let change = try CLIProcess.run(["compact", "--archive", other.path, "--split", "partition"], scratch: scratch)
        #expect(!change.succeeded && change.stderr.contains("cannot be split by partition while target") && change.stderr.contains("add {partition}"), "\(change.summary)")
        #expect(try Archive.open(at: other.path).windowSettings(instance: "local", topic: "orders").last?.settings.split == WindowSettings.Split.none)

        let taken = try CLIProcess.run(
            ["reupload", "--archive", fixture.path, "--target", uri, "--key-template", "{topic}/{timestamp}-{partition}",
             "--topic", "orders", "--from", "0", "--to", "now"], scratch: scratch)
        #expect(taken.succeeded, "\(taken.summary)")
        for file in try fixture.files() {
            let key = scratch.file("bucket") + "/orders/\(file.windowStart / 1000)-\(file.splitPartition!).jsonl.gz"
            #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == fixture.contents(of: file))
            let manifest = try WindowManifest.decode(Data(contentsOf: URL(fileURLWithPath: key + WindowManifest.keySuffix)), key: key)
            #expect(manifest.partition == file.splitPartition && manifest.partitions.map(\.partition) == [file.splitPartition!])
        }
    }

    @Test("a window hook runs once per split file, told its partition (SEDIMENT_PARTITION) and the key it went up under")
    func hookPerPartition() throws {
        let fixture = CompactionFixture(label: "split-hook")
        try fixture.append(Self.messages)
        let scratch = fixture.directory
        let hook = try HookScript(in: scratch, body: #"echo "$SEDIMENT_WINDOW_START|$SEDIMENT_PARTITION|$SEDIMENT_PART|$SEDIMENT_WINDOW_KEY" >> "$LOG""#)
        _ = try CLIProcess.succeed(
            ["compact", "--archive", fixture.path, "--close-all", "--granularity", "5m", "--split", "partition",
             "--target", "file://" + scratch.file("bucket"), "--on-window", hook.path], scratch: scratch)
        let files = try fixture.files()
        try #require(files.count == 6, "\(files.map(\.path))")
        let lines = hook.lines().sorted { $0.joined() < $1.joined() }
        let expected = files.map { ["\($0.windowStart)", "\($0.splitPartition!)", "1", WindowCompressionTests.key($0)] }
        #expect(lines == expected.sorted { $0.joined() < $1.joined() }, "\(lines)")
    }

    @Test("run --config takes `split`, shows it in the plan, and refuses a task's key template without {partition} at its line")
    func configFile() throws {
        /// A task splitting `orders` by partition, with `extra` lines.
        func task(_ name: String, _ extra: String = "") -> String {
            """
              - name: \(name)
                archive: archive-\(name)
                brokers: 127.0.0.1:9092
                topics: [orders]
                split: partition

            """ + extra
        }
        let target = "    target: file:///tmp/sediment-split-config-never-written\n"
        let file = try ConfigFile("tasks:\n" + task("a", target) + task("b", target + "    key-template: \"{topic}/{timestamp}\"\n"))
        let problems = file.problems()
        #expect(problems.count == 1 && problems.first?.hasPrefix(file.at(14, 19) + "tasks[1].key-template: ") == true
            && problems.first?.contains("'{topic}/{timestamp}'") == true && problems.first?.contains("add {partition}") == true, "\(problems)")
        let valid = try ConfigFile("tasks:\n" + task("a"))
        let loaded = try valid.load()
        let task = try #require(loaded.tasks.first)
        #expect(task.pipeline.dump.compaction?.change.split == .partition)
        #expect(loaded.plan.contains("gzip level 6, one file per partition, parts above 500MB"), "\(loaded.plan)")
        let wrong = try ConfigFile("""
            tasks:
              - name: a
                archive: archive-a
                brokers: 127.0.0.1:9092
                topics: [orders]
                split: partitions
            """)
        #expect(wrong.problems().first?.contains("tasks[0].split") == true, "\(wrong.problems())")
    }

    @Test("the default key of a split file is its path under windows/, and the template reads the partition and part back from it")
    func defaultKeysMatch() throws {
        let template = try KeyTemplate(KeyTemplate.defaultTemplate, splitByPartition: true)
        let fields = try #require(template.match("local/orders/2023-11-14/1699999200.p7.part3.jsonl.zst"))
        #expect(fields.splitPartition == 7 && fields.part == 3 && fields.windowStart == 1_699_999_200_000 && fields.compression == .zstd)
        let plain = try #require(template.match("local/orders/2023-11-14/1699999200.part2.jsonl.gz"))
        #expect(plain.splitPartition == nil && plain.part == 2)
        let named = try KeyTemplate("{topic}/{timestamp}.p{partition}", splitByPartition: true)
        #expect(named.match("orders/1699999200.p4.jsonl.gz")?.splitPartition == nil, "{partition} does not tell a split file apart: the manifest does")
        #expect(throws: SedimentError.self) { try KeyTemplate("{topic}/{timestamp}", splitByPartition: true) }
    }
}

/// 0013 rebuilds `window_files`: what an archive recorded before keeps its ids and the
/// rows that reference them, and a part stays unique per file series.
@Suite("Window split migration")
struct WindowSplitMigrationTests {
    @Test("an archive at 0012 keeps its window files (ids, uploads, hooks, members) through 0013; parts stay unique per series, the combined one included")
    func rebuildKeepsRows() throws {
        let directory = TemporaryDirectory(label: "split-migration")
        let path = directory.file("sediment.sqlite")
        let old = try Schema.open(path: path, durable: true, upTo: "0012_window_compression")
        try old.write { db in
            try db.execute(sql: """
                INSERT INTO window_files (id, instance, topic, window_start, window_end, part, path, format, message_count, skipped_count,
                    min_timestamp, max_timestamp, input_size, size, md5, sha256, written_at, local_deleted_at, compression)
                VALUES (7, 'local', 'orders', 0, 300000, 1, 'windows/local/orders/1970-01-01/0.jsonl.zst', 'jsonl', 2, 0, 1, 2, 10, 20,
                    'm', 's', 5, 9, 'zstd');
                INSERT INTO window_partitions (file_id, partition, first_offset, last_offset, message_count, covered_end) VALUES (7, 0, 0, 1, 2, 2);
                INSERT INTO window_members (instance, topic, min_timestamp, file_id, ordinal, max_timestamp, position, length, input_size, message_count)
                    VALUES ('local', 'orders', 1, 7, 0, 2, 0, 20, 10, 2);
                INSERT INTO upload_targets (id, uri, key_template, continuous, added_at) VALUES (3, 'file:///b', '{instance}/{topic}/{date}/{timestamp}', 1, 1);
                INSERT INTO window_uploads (file_id, target_id, key, state, updated_at) VALUES (7, 3, 'k', 'uploaded', 1);
                INSERT INTO window_hooks (file_id, state, attempts, failures, next_attempt_at, updated_at) VALUES (7, 'done', 1, 0, 0, 1);
                """)
        }
        try old.close()
        let pool = try Schema.open(path: path, durable: true)
        try pool.write { db in
            let file = try #require(try Row.fetchOne(db, sql: "SELECT \(WindowFile.columns) FROM window_files"))
            let recorded = try WindowFile(row: file)
            #expect(recorded.id == 7 && recorded.compression == .zstd && recorded.locallyDeleted && recorded.splitPartition == nil)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM window_uploads u JOIN window_files f ON f.id = u.file_id") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM window_hooks h JOIN window_files f ON f.id = h.file_id") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM window_members m JOIN window_files f ON f.id = m.file_id") == 1)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'window_files_locally_deleted')") == true)
            #expect(try String.fetchOne(db, sql: "SELECT split FROM window_settings") == nil)
            func insert(_ splitPartition: Int32?, part: Int) throws {
                try db.execute(sql: """
                    INSERT INTO window_files (instance, topic, window_start, window_end, part, path, format, message_count, skipped_count,
                        min_timestamp, max_timestamp, input_size, size, md5, sha256, written_at, split_partition)
                    VALUES ('local', 'orders', 0, 300000, ?, 'p', 'jsonl', 0, 0, 0, 0, 0, 0, 'm', 's', 1, ?)
                    """, arguments: [part, splitPartition])
            }
            #expect(throws: DatabaseError.self) { try insert(nil, part: 1) }
            try insert(0, part: 1)
            try insert(1, part: 1)
            #expect(throws: DatabaseError.self) { try insert(0, part: 1) }
            try insert(nil, part: 2)
        }
        try pool.close()
    }
}
