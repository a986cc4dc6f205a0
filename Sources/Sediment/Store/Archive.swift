import Logging

/// An archive directory opened for reading: the index and the segment files under it.
/// Any number of readers, in any number of processes, may read while one writer appends;
/// each sees the data of committed batches only.
public final class Archive: Sendable {
    public let layout: ArchiveLayout
    let index: ArchiveIndex
    let logger: Logger
    /// What this archive's window writers hold under temporary names, for `ArchiveSizeLimit`.
    let unrecordedWindowBytes = UnrecordedWindowBytes()

    init(layout: ArchiveLayout, index: ArchiveIndex, logger: Logger) {
        self.layout = layout
        self.index = index
        self.logger = logger
    }

    /// Opens an existing archive for reading. A missing directory or a directory that is
    /// not a Sediment archive is an error, and nothing is created.
    public static func open(at path: String, logger: Logger = Logger(label: "sediment")) throws -> Archive {
        let layout = ArchiveLayout(root: path)
        try requireExisting(layout)
        return Archive(layout: layout, index: try ArchiveIndex.openForReading(path: layout.databasePath), logger: logger)
    }

    /// Opens an existing archive with a writable index, for the stages that record their
    /// work beside the writer (compaction, upload); it migrates an older schema first.
    public static func openForUpdate(at path: String, logger: Logger = Logger(label: "sediment")) throws -> Archive {
        let layout = ArchiveLayout(root: path)
        try requireExisting(layout)
        return Archive(layout: layout, index: try ArchiveIndex.openForWriting(path: layout.databasePath, durable: true), logger: logger)
    }

    static func requireExisting(_ layout: ArchiveLayout) throws {
        guard FileSystem.exists(layout.root) else {
            throw SedimentError(.archiveMissing, "no archive at \(layout.root): the directory does not exist", context: ["path": layout.root])
        }
        guard FileSystem.isDirectory(layout.root) else {
            throw SedimentError(.notAnArchive, "\(layout.root) is not a directory, so not a Sediment archive", context: ["path": layout.root])
        }
        guard FileSystem.exists(layout.databasePath) else {
            throw SedimentError(
                .notAnArchive, "\(layout.root) is not a Sediment archive: it has no sediment.sqlite",
                context: ["path": layout.root])
        }
    }

    /// The next offset to store, per partition.
    public func positions(instance: String? = nil, topic: String? = nil) throws -> [PartitionKey: Int64] {
        var positions: [PartitionKey: Int64] = [:]
        for row in try index.partitions(instance: instance, topic: topic) { positions[row.key] = row.nextOffset }
        return positions
    }

    /// The instance that holds `topic`: `instance` itself when given, or the only one
    /// that holds it. Errors name the choices when there is more than one.
    public func resolveInstance(_ instance: String?, topic: String) throws -> String {
        if let instance { return instance }
        let holders = try index.instances(holding: topic)
        switch holders.count {
        case 0: throw SedimentError(.notFound, "topic '\(topic)' is not in the archive \(layout.root)", context: ["topic": topic])
        case 1: return holders[0]
        default:
            throw SedimentError(
                .invalidArgument,
                "topic '\(topic)' is archived from several instances (\(holders.joined(separator: ", "))): choose one with `instance`",
                context: ["topic": topic])
        }
    }
}

extension Archive {
    /// The topics the archive holds, as (instance, topic).
    public func topics() throws -> [(instance: String, topic: String)] {
        try index.topics()
    }

    /// How many Kafka instances the archive holds topics of.
    public func instanceCount() throws -> Int {
        try index.instanceCount()
    }
}
