/// Reads segment blocks before the merge asks for them, on the compression workers: the
/// reading, the CRC of every record and the check of its layout were a quarter of a
/// compaction's merging thread, which every other step of the window waits on.
///
/// The source asks for its blocks in feed order and names the ones after it; at most
/// `depth` are read ahead (each a block's bytes, about 256 KiB; 4 compacted 400 MB as fast
/// as 8, at 60-69 MB of RSS against 98-125). An error reading one is
/// thrown when that block is asked for, as it would have been without reading ahead.
final class BlockReadAhead {
    static let depth = 4

    private let reader: SegmentReader
    /// Reads started and not yet asked for, oldest first (at most `depth`).
    private var pending: [(block: BlockRow, run: PendingResult<RecordRun>)] = []

    init(reader: SegmentReader) { self.reader = reader }

    /// The run of `block`, read ahead or now, after starting reads of `upcoming` (the blocks
    /// that will be asked for next, in order) that are not started yet, up to `depth`.
    func run(
        of block: BlockRow, then upcoming: [BlockRow], keeping keep: (BlockRow) -> @Sendable (RunBound) -> Bool
    ) throws -> RecordRun {
        let ahead = take(block)
        for next in upcoming where pending.count < Self.depth && !pending.contains(where: { Self.same($0.block, next) }) {
            start(next, keeping: keep(next))
        }
        if let ahead { return try ahead.wait() }
        return try reader.run(of: block, keeping: keep(block))
    }

    private static func same(_ a: BlockRow, _ b: BlockRow) -> Bool { a.partition == b.partition && a.firstOffset == b.firstOffset }

    /// The read started for `block`, dropping any started for blocks that were passed over.
    private func take(_ block: BlockRow) -> PendingResult<RecordRun>? {
        while !pending.isEmpty {
            let next = pending.removeFirst()
            if Self.same(next.block, block) { return next.run }
        }
        return nil
    }

    /// Starts reading `block` on a worker; an error, opening its file included, is kept for
    /// when the block is asked for.
    private func start(_ block: BlockRow, keeping keep: @escaping @Sendable (RunBound) -> Bool) {
        let result = PendingResult<RecordRun>()
        pending.append((block, result))
        let file: SystemFile
        do {
            file = try reader.file(of: block)
        } catch {
            result.finish(.failure(error))
            return
        }
        let job = ReadJob(reader: reader, file: file, block: block)
        CompressionWorkers.shared.run {
            result.finish(Result { try job.reader.run(of: job.block, in: job.file, keeping: keep) })
        }
    }

    /// What a worker needs to read one block. @unchecked: the reader's read touches no
    /// state of its own (`SegmentReader.readsAnywhere`), and a file's reads are positional.
    private struct ReadJob: @unchecked Sendable {
        let reader: SegmentReader
        let file: SystemFile
        let block: BlockRow
    }
}
