import Foundation
import GRDB
import Testing
@testable import Sediment

@Suite("Schema migrations")
struct MigrationTests {
    let directory = TemporaryDirectory(label: "migrations")

    func applied(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
    }

    @Test("an empty archive gets every migration and Sediment's application id")
    func emptyArchive() throws {
        let path = directory.file("empty")
        _ = try ArchiveWriter(at: path)
        let database = path + "/sediment.sqlite"
        #expect(try applied(database) == Schema.migrations.map(\.identifier))
        let queue = try DatabaseQueue(path: database)
        #expect(try queue.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") } == Schema.applicationID)
        #expect(try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test("archives written by earlier schemas open, migrate, and keep their data", arguments: Schema.migrations.dropLast().map(\.identifier))
    func earlierSchema(identifier: String) throws {
        let path = directory.file("schema-\(identifier)")
        let messages = (Int64(0)..<400).map { offset in
            Message(offset: offset, timestamp: offset == 200 ? 5 : 1_000_000 + offset, value: Array(repeating: 0x78, count: 40))
        }
        try EarlierArchive.write(messages, at: path, schema: identifier, recordsPerBlock: 15)
        #expect(try applied(path + "/sediment.sqlite").last == identifier)

        let writer = try ArchiveWriter(at: path)
        #expect(try applied(path + "/sediment.sqlite") == Schema.migrations.map(\.identifier))
        let key = PartitionKey(instance: "local", topic: "t", partition: 0)
        expectSame(try writer.archive.messages(of: key, offsets: 0...Int64.max).all(), messages)
        #expect(try writer.archive.messages(instance: "local", topic: "t", in: 0..<100).all().map(\.offset) == [200])
        // Offsets 195...209 share a block with offset 200 (timestamp 5): only the block span
        // (backfilled by 0002 for older archives) lets the index find it for a later range.
        #expect(try writer.archive.messages(instance: "local", topic: "t", in: 1_000_197..<1_000_200).all().map(\.offset) == [197, 198, 199])
        #expect(writer.positions[key] == 400)
        // And it takes new data where it left off.
        let more = try writer.append([Message(offset: 400, timestamp: 2_000_000, value: [1])], instance: "local", topic: "t")
        #expect(more.count == 1)
        #expect(try writer.archive.statistics().first?.messages == 401)
    }

    @Test("an archive a Sediment without window hooks migrated past 0009 (0010 and 0011 applied) gets 0009 when it opens")
    func windowHooksAfterLaterMigrations() throws {
        let path = directory.file("without-hooks")
        try EarlierArchive.write([Message(offset: 0, timestamp: 1, value: [1])], at: path, schema: "0008_replay_map_runs", recordsPerBlock: 1)
        let queue = try DatabaseQueue(path: path + "/sediment.sqlite")
        try queue.write { db in
            for migration in Schema.migrations where migration.identifier > "0009_window_hooks" {
                try db.execute(sql: migration.sql)
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.identifier])
            }
        }
        try queue.close()
        #expect(try !applied(path + "/sediment.sqlite").contains("0009_window_hooks"))
        let writer = try ArchiveWriter(at: path)
        #expect(try applied(path + "/sediment.sqlite") == Schema.migrations.map(\.identifier))
        #expect(try writer.archive.hookStatistics().isEmpty)
        #expect(try writer.archive.index.read { db in try db.tableExists("window_hooks") })
    }

    @Test("0008 turns the offset map's runs into replay_runs with their target ends; earlier replays are recorded as sent without transactions")
    func replayRunsMigration() throws {
        let path = directory.file("schema-replays")
        try EarlierArchive.write([Message(offset: 0, timestamp: 1, value: [1])], at: path, schema: "0007_replays", recordsPerBlock: 15)
        try DatabaseQueue(path: path + "/sediment.sqlite").write { db in
            try db.execute(sql: """
                INSERT INTO replays VALUES ('r-1', 'local', 't', 0, 10, 't2', 'b:9092', 'same', 0, NULL, 2, 700, 700, 'done', NULL, 1, 2);
                INSERT INTO replay_offsets VALUES ('r-1', 0, 0, 499, 0, 17), ('r-1', 1, 3, 202, 1, 0);
                """)
        }
        let archive = try Archive.openForUpdate(at: path)
        #expect(try archive.replayRuns(id: "r-1") == [
            ReplayRun(sourcePartition: 0, sourceFirst: 0, sourceLast: 499, targetPartition: 0, targetFirst: 17, targetLast: 516),
            ReplayRun(sourcePartition: 1, sourceFirst: 3, sourceLast: 202, targetPartition: 1, targetFirst: 0, targetLast: 199),
        ])
        #expect(try archive.replays().map(\.transactional) == [false])
    }

    @Test("an archive written by a newer schema is refused with a clear error, and left alone")
    func newerSchema() throws {
        let path = directory.file("newer")
        _ = try ArchiveWriter(at: path)
        let queue = try DatabaseQueue(path: path + "/sediment.sqlite")
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')") }
        for open in [{ _ = try Archive.open(at: path) }, { _ = try ArchiveWriter(at: path) }] {
            #expect {
                try open()
            } throws: { error in
                let error = error as? SedimentError
                return error?.code == .schemaTooNew && error!.message.contains("9999_from_the_future")
            }
        }
        #expect(try applied(path + "/sediment.sqlite").last == "9999_from_the_future")
    }

    @Test("the migrations compiled into the binary are the SQL files in Schema/")
    func embeddedSchemaMatchesFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let schema = root.appendingPathComponent("Schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: schema.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == Schema.migrations.map(\.identifier), "run 'make schema'")
        for (file, migration) in zip(files, Schema.migrations) {
            let text = try String(contentsOf: schema.appendingPathComponent(file), encoding: .utf8)
            #expect(text == migration.sql + "\n", "\(file) differs from the embedded copy: run 'make schema'")
        }
    }
}
