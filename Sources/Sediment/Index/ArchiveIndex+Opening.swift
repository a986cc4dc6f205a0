/// Opening the index: the one place an archive's SQLite file is connected to.
extension ArchiveIndex {
    /// For a writer or a stage that records its work (compaction, upload): migrates an
    /// older schema first; `durable` makes every commit wait for the disk.
    static func openForWriting(path: String, durable: Bool) throws -> ArchiveIndex {
        ArchiveIndex(pool: try Schema.open(path: path, durable: durable), path: path)
    }

    /// For readers: never writes (an older schema is migrated through a separate
    /// writable connection first, as `Schema.openForReading` says).
    static func openForReading(path: String) throws -> ArchiveIndex {
        ArchiveIndex(pool: try Schema.openForReading(path: path), path: path)
    }
}
