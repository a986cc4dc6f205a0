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

    /// Opens the index at `path` for writing, refusing files that are not a Sediment index
    /// and indexes written by a newer schema, and applies any missing migrations.
    static func open(path: String, durable: Bool, upTo target: String? = nil) throws -> DatabasePool {
        if !FileSystem.exists(path) { try create(path: path, durable: durable, upTo: target) }
        let pool = try connect(path: path, readOnly: false, durable: durable)
        let isNew = try check(pool, path: path).isNew
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

    /// Builds a new index under a temporary name and renames it into place, so that a kill
    /// during the first open never leaves an empty `sediment.sqlite` that readers would
    /// take for something that is not an index.
    private static func create(path: String, durable: Bool, upTo target: String?) throws {
        let temporary = path + ".new"
        for leftover in [temporary, temporary + "-wal", temporary + "-shm"] { try FileSystem.remove(leftover) }
        // SQLite gives its -wal and -shm files the database file's mode: created owner-only
        // here, the index and its journals stay the owner's whatever the umask.
        _ = try SystemFile.openForAppending(temporary, create: true)
        let pool = try connect(path: temporary, readOnly: false, durable: durable)
        do {
            try pool.write { db in try db.execute(sql: "PRAGMA application_id = \(applicationID)") }
            try migrator(upTo: target).migrate(pool)
            try pool.close()
        } catch {
            throw SedimentError(.database, "cannot create \(path): \(describe(error))", context: ["path": path], underlying: error)
        }
        try FileSystem.rename(temporary, to: path)
        FileSystem.synchronizeDirectory(FileSystem.parentDirectory(path))
    }

    /// Opens the index for reading only: a query never writes to the archive, so it works
    /// on a read-only mount and never races a writer. An index from an older schema is
    /// migrated first, through a writable connection, as a writer would at open.
    static func openForReading(path: String) throws -> DatabasePool {
        let pool = try connect(path: path, readOnly: true, durable: false)
        let found = try check(pool, path: path)
        if found.isNew {
            throw SedimentError(.notAnArchive, "\(path) is an empty database, not a Sediment index", context: ["path": path])
        }
        guard found.applied.count < migrations.count else { return pool }
        try pool.close()
        _ = try open(path: path, durable: true)
        return try connect(path: path, readOnly: true, durable: false)
    }

    private static func connect(path: String, readOnly: Bool, durable: Bool) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "sediment.index"
        configuration.readonly = readOnly
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly && durable {
                // FULL makes each commit durable on its own; NORMAL in WAL mode keeps the
                // index consistent but may lose the latest commits on power loss. Set here,
                // on the one writing connection, because the pool sets NORMAL as it opens,
                // after any `prepareDatabase`.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            return pool
        } catch {
            throw openError(error, path: path)
        }
    }

    private static func openError(_ error: any Error, path: String) -> SedimentError {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_NOTADB {
            return SedimentError(.notAnArchive, "\(path) is not a Sediment index: it is not an SQLite database", context: ["path": path], underlying: error)
        }
        return SedimentError(.database, "cannot open the index \(path): \(describe(error))", context: ["path": path], underlying: error)
    }

    /// Refuses what is not a Sediment index or comes from a newer schema.
    private static func check(_ pool: DatabasePool, path: String) throws -> (isNew: Bool, applied: [String]) {
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
            throw openError(error, path: path)
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
        return (found.tables == 0, found.applied)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
