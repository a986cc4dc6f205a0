import GRDB

/// The SQLite index of an archive: opened in WAL mode and migrated from the SQL files
/// in `Schema/` (embedded in `Schema+Migrations.swift` by `scripts/embed-schema`).
enum Schema {
    /// `PRAGMA application_id` of every Sediment index: "SEDI".
    static let applicationID: Int32 = 0x5345_4449

    static var latestIdentifier: String { migrations.last!.identifier }

    static func migrator(upTo target: String? = nil) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: migration.sql)
            }
            if migration.identifier == target { break }
        }
        return migrator
    }

    /// Opens the index at `path`, refusing files that are not a Sediment index and
    /// indexes written by a newer schema, and applies any missing migrations.
    static func open(path: String, durable: Bool, upTo target: String? = nil) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "sediment.index"
        configuration.prepareDatabase { db in
            // FULL makes each commit durable on its own; NORMAL in WAL mode keeps
            // the index consistent but may lose the latest commits on power loss.
            try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SedimentError(.notAnArchive, "\(path) is not a Sediment index: \(describe(error))", context: ["path": path], underlying: error)
        }
        let isNew = try check(pool, path: path)
        let migrator = migrator(upTo: target)
        do {
            if isNew {
                try pool.write { db in try db.execute(sql: "PRAGMA application_id = \(applicationID)") }
            }
            try migrator.migrate(pool)
        } catch {
            throw SedimentError(.database, "cannot migrate \(path): \(describe(error))", context: ["path": path], underlying: error)
        }
        return pool
    }

    /// Returns true for a new, empty database.
    private static func check(_ pool: DatabasePool, path: String) throws -> Bool {
        let found: (applicationID: Int32, tables: Int, applied: [String])
        do {
            found = try pool.read { db in
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") ?? 0
                let applied = try db.tableExists("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
                return (id, tables, applied)
            }
        } catch {
            throw SedimentError(.notAnArchive, "\(path) is not a Sediment index: \(describe(error))", context: ["path": path], underlying: error)
        }
        if found.tables > 0 && found.applicationID != applicationID {
            throw SedimentError(.notAnArchive, "\(path) is an SQLite database but not a Sediment index", context: ["path": path])
        }
        let known = Set(migrations.map(\.identifier))
        if let unknown = found.applied.sorted().last(where: { !known.contains($0) }) {
            throw SedimentError(
                .schemaTooNew,
                "\(path) was written by a newer Sediment (schema \(unknown)); this binary knows schemas up to \(latestIdentifier). Upgrade sediment to open it.",
                context: ["path": path, "schema": unknown])
        }
        return found.tables == 0
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
