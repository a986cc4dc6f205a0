import Foundation
import Logging

/// The one writer of an archive. It appends batches to segment files, makes them
/// durable, then commits their index rows and the new positions in one transaction.
///
/// Not thread-safe: one thread (or task) drives a writer.
public final class ArchiveWriter {
    public let archive: Archive
    public let options: ArchiveOptions
    private let lock: ArchiveLock
    private var index: ArchiveIndex { archive.index }
    private var logger: Logger { archive.logger }
    private var partitions: [PartitionKey: PartitionState] = [:]
    private let now: @Sendable () -> Int64
    private let buffers: BufferPool
    /// Recorded with every partition appended to (`ArchiveOptions.worker`).
    private let worker: String?

    /// Opens (and by default creates) the archive at `path` for writing, and recovers it:
    /// torn tails are truncated and the stored positions are where appending resumes.
    public init(
        at path: String,
        options: ArchiveOptions = ArchiveOptions(),
        logger: Logger = Logger(label: "sediment"),
        now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds
    ) throws {
        let layout = ArchiveLayout(root: path)
        try Self.check(layout, options: options)
        if !FileSystem.exists(layout.root) {
            try FileSystem.createDirectories(layout.root)
            logger.info("created archive", metadata: ["archive": "\(layout.root)"])
        }
        self.lock = try ArchiveLock(path: layout.lockPath)
        let index = try ArchiveIndex.openForWriting(path: layout.databasePath, durable: options.fsync == .batch)
        self.archive = Archive(layout: layout, index: index, logger: logger)
        self.options = options
        self.now = now
        self.buffers = BufferPool(retainedBytes: 4 * options.blockBytes + 64 << 20, retainedBuffers: 4)
        try ArchiveRecovery(archive: archive).run()
        worker = try options.worker
            ?? (options.recordsWorker ? archive.defaultWorkerName(host: ProcessInfo.processInfo.hostName) : nil)
        for row in try index.partitions() {
            partitions[row.key] = PartitionState(id: row.id, nextOffset: row.nextOffset)
        }
    }

    /// Above this many segment files in one batch, one syncfs replaces their fsyncs: a dump
    /// of hundreds of partitions would otherwise wait for hundreds of journal commits.
    static let filesSyncedOneByOne = 8

    /// Refuses, without changing anything, a path a writer could not use: a directory that
    /// is neither empty nor an archive, or a missing one when it may not be created; and a
    /// worker name that could not go into object keys (`{worker}`) as instance and topic
    /// names go into them and into paths.
    public static func check(_ layout: ArchiveLayout, options: ArchiveOptions) throws {
        if let worker = options.worker { try ArchiveName.validate(worker, as: "worker") }
        if !FileSystem.exists(layout.root) {
            if !options.createIfMissing { try Archive.requireExisting(layout) }
            return
        }
        guard FileSystem.isDirectory(layout.root), !FileSystem.exists(layout.databasePath) else {
            return try Archive.requireExisting(layout)
        }
        let entries = FileSystem.contents(of: layout.root).filter { !$0.hasPrefix("sediment.") }
        guard entries.isEmpty && options.createIfMissing else {
            throw SedimentError(
                .notAnArchive,
                "\(layout.root) is not a Sediment archive (no sediment.sqlite) and is not empty; refusing to write into it",
                context: ["path": layout.root])
        }
    }

    /// A new, empty batch for one topic, built against the current positions.
    public func makeBatch(instance: String, topic: String) throws -> RecordBatch {
        var stored: [Int32: Int64] = [:]
        for (key, state) in partitions where key.instance == instance && key.topic == topic {
            stored[key.partition] = state.nextOffset
        }
        return try makeBatch(instance: instance, topic: topic, positions: stored)
    }

    /// A new, empty batch built against the given positions rather than the writer's own:
    /// a batch filled while an earlier one is still being written starts where that one ends.
    /// Touches no mutable state of the writer.
    func makeBatch(instance: String, topic: String, positions: [Int32: Int64]) throws -> RecordBatch {
        try ArchiveName.validate(instance, as: "instance")
        try ArchiveName.validate(topic, as: "topic")
        return RecordBatch(instance: instance, topic: topic, storedPositions: positions, blockBytes: options.blockBytes, buffers: buffers)
    }

    /// The next offset to store for one partition, or nil when nothing of it is stored.
    public func position(of key: PartitionKey) -> Int64? {
        partitions[key]?.nextOffset
    }

    /// The next offset to store, per partition, as this writer knows it.
    public var positions: [PartitionKey: Int64] {
        partitions.mapValues(\.nextOffset)
    }

    /// Moves a partition's position up to `offset`, recording the offsets skipped as ones
    /// the source no longer holds (its retention deleted them before they were read), in
    /// one transaction. Nothing happens unless the partition's position is below `offset`.
    /// Call it only while no append runs.
    public func skipUnavailable(_ key: PartitionKey, to offset: Int64) throws {
        guard let position = partitions[key]?.nextOffset, position < offset else { return }
        try index.skipUnavailable(key, offsets: position...(offset - 1), at: now())
        partitions[key]?.nextOffset = offset
    }

    /// Makes the batches durable and commits them, all or nothing.
    ///
    /// Pass batches the caller no longer holds (`append(pending.take())`): the records are
    /// sealed in place, and a batch still referenced elsewhere is copied first.
    public func append(_ batches: consuming [RecordBatch]) throws {
        var batches = batches
        for index in batches.indices { batches[index].seal() }
        let before = partitions
        var commit = PendingCommit()
        do {
            for batch in batches {
                for partitionBatch in batch.partitions.sorted(by: { $0.partition < $1.partition }) {
                    let key = PartitionKey(instance: batch.instance, topic: batch.topic, partition: partitionBatch.partition)
                    try write(partitionBatch, of: key, into: &commit)
                }
            }
            guard !commit.blocks.isEmpty else { return }
            if options.fsync == .batch {
                // Every segment this batch wrote, not only the current one: a roll leaves
                // the tail of the previous segment in this commit too.
                let files = commit.originalSizes.values.map(\.0)
                if files.count > Self.filesSyncedOneByOne {
                    try files[0].synchronizeFileSystem()
                } else {
                    for file in files { try file.synchronize() }
                }
                for directory in commit.newDirectories { FileSystem.synchronizeDirectory(directory) }
            }
            try self.commit(commit)
            for index in batches.indices { buffers.giveBack(batches[index].takeBuffers()) }
        } catch {
            rollBack(to: before, commit)
            throw error
        }
    }

    /// Convenience for callers holding `Message` values: one batch per call.
    public func append(_ messages: [Message], instance: String, topic: String) throws -> RecordBatch {
        var batch = try makeBatch(instance: instance, topic: topic)
        for message in messages { batch.append(message) }
        try append([batch])
        return batch
    }

    private func write(_ batch: PartitionBatch, of key: PartitionKey, into commit: inout PendingCommit) throws {
        var state = try partitionState(key, commit: &commit)
        try batch.bytes.withUnsafeBytes { (bytes) throws in
            for block in batch.blocks {
                if state.segment == nil || state.segment!.size > 0 && state.segment!.size + Int64(block.length) > options.segmentBytes {
                    state.segment = try createSegment(key, baseOffset: block.firstOffset, commit: &commit)
                }
                let segment = state.segment!
                let id = SegmentID(key: key, baseOffset: segment.baseOffset)
                if commit.originalSizes[id] == nil { commit.originalSizes[id] = (segment.file, segment.size) }
                try segment.file.write(UnsafeRawBufferPointer(rebasing: bytes[block.start..<block.start + block.length]), at: segment.size)
                if options.fsync == .batch { segment.file.startWriteback(at: segment.size, count: block.length) }
                commit.blocks.append((key, BlockRow(
                    partition: key.partition, minTimestamp: block.minTimestamp, maxTimestamp: block.maxTimestamp,
                    firstOffset: block.firstOffset, lastOffset: block.lastOffset, count: block.count,
                    segmentBase: segment.baseOffset, position: segment.size, length: block.length, ingestedAt: 0)))
                state.segment!.size += Int64(block.length)
                commit.segmentSizes[id] = state.segment!.size
            }
        }
        state.nextOffset = batch.nextOffset
        commit.touched.insert(key)
        partitions[key] = state
    }

    private func partitionState(_ key: PartitionKey, commit: inout PendingCommit) throws -> PartitionState {
        var state = partitions[key] ?? PartitionState(id: nil, nextOffset: 0)
        if state.segment == nil, let id = state.id {
            let last = try index.lastSegment(partitionID: id)
            if let last {
                let path = archive.layout.segmentPath(instance: key.instance, topic: key.topic, partition: key.partition, baseOffset: last.baseOffset)
                state.segment = OpenSegment(baseOffset: last.baseOffset, size: last.size, file: try SystemFile.openForAppending(path, create: false))
            }
        }
        return state
    }

    private func createSegment(_ key: PartitionKey, baseOffset: Int64, commit: inout PendingCommit) throws -> OpenSegment {
        let directory = archive.layout.partitionDirectory(instance: key.instance, topic: key.topic, partition: key.partition)
        if !FileSystem.isDirectory(directory) {
            try FileSystem.createDirectories(directory)
        }
        let path = archive.layout.segmentPath(instance: key.instance, topic: key.topic, partition: key.partition, baseOffset: baseOffset)
        let file = try SystemFile.openForAppending(path, create: true)
        // A file of that name is left over from a batch that never committed.
        try file.truncate(to: 0)
        commit.newFiles.append(path)
        commit.newDirectories.insert(directory)
        return OpenSegment(baseOffset: baseOffset, size: 0, file: file)
    }

    private func commit(_ pending: PendingCommit) throws {
        var append = AppendCommit(worker: worker, consumerGroup: options.consumerGroup)
        append.positions = pending.touched.sorted().map { ($0, partitions[$0]!.nextOffset) }
        append.segmentSizes = pending.segmentSizes.map { ($0.key.key, $0.key.baseOffset, $0.value) }
        append.blocks = pending.blocks.map { (key: $0.0, block: $0.1) }
        let ids = try index.commit(append, ingestedAt: now())
        for (key, id) in ids { partitions[key]?.id = id }
    }

    /// Puts the in-memory state back as it was before a failed append and cuts what the
    /// append wrote, so the next append starts from committed bytes.
    private func rollBack(to before: [PartitionKey: PartitionState], _ pending: PendingCommit) {
        for (file, size) in pending.originalSizes.values { try? file.truncate(to: size) }
        for path in pending.newFiles { try? FileSystem.remove(path) }
        partitions = before
    }
}

extension ArchiveWriter {
    struct OpenSegment {
        var baseOffset: Int64
        /// Bytes written so far; equal to the committed size between appends.
        var size: Int64
        let file: SystemFile
    }

    struct PartitionState {
        var id: Int64?
        var nextOffset: Int64
        var segment: OpenSegment?
    }

    struct SegmentID: Hashable {
        var key: PartitionKey
        var baseOffset: Int64
    }

    struct PendingCommit {
        var blocks: [(PartitionKey, BlockRow)] = []
        var segmentSizes: [SegmentID: Int64] = [:]
        var touched: Set<PartitionKey> = []
        var newFiles: [String] = []
        var newDirectories: Set<String> = []
        /// Each segment written by this append, with its size before it.
        var originalSizes: [SegmentID: (SystemFile, Int64)] = [:]
    }
}
