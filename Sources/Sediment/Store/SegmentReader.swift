/// Reads index blocks out of segment files, keeping the files of one query open.
final class SegmentReader {
    /// Whether `run(of:in:keeping:)` may run on another thread: nothing to tally.
    var readsAnywhere: Bool { skipCorrupt == nil }
    private let layout: ArchiveLayout
    private let instance: String
    private let topic: String
    private var files: [FileKey: SystemFile] = [:]
    private let skipCorrupt: CorruptionTally?

    init(layout: ArchiveLayout, instance: String, topic: String, skipCorrupt: CorruptionTally? = nil) {
        self.layout = layout
        self.instance = instance
        self.topic = topic
        self.skipCorrupt = skipCorrupt
    }

    /// Every record of `block`, in file order. A block the index names must be whole:
    /// anything short or corrupt is an error that says where.
    func messages(of block: BlockRow) throws -> [Message] {
        let run = try run(of: block)
        return try run.entries.indices.map { try run.record(at: $0).message() }
    }

    /// The records of `block` that `keep` wants, in file order, checked but not decoded:
    /// every record's length and CRC, and the layout of those kept (a query keeps a fraction
    /// of a block, and the layout walk of the rest was a tenth of its time). With
    /// `skipCorrupt`, a record whose CRC fails is stepped over when its length is sound, the
    /// rest of the block is left when it is not, and the messages missing from the block's
    /// count are tallied.
    func run(of block: BlockRow, keeping keep: (RunBound) throws -> Bool = { _ in true }) throws -> RecordRun {
        try run(of: block, in: try file(of: block), keeping: keep)
    }

    /// The segment file holding `block`, kept open for the blocks after it.
    func file(of block: BlockRow) throws -> SystemFile {
        try file(partition: block.partition, baseOffset: block.segmentBase)
    }

    /// `run(of:keeping:)` in a file already open. It touches no state of the reader but the
    /// tally, so without one it may run on any thread (`BlockReadAhead`).
    func run(of block: BlockRow, in file: SystemFile, keeping keep: (RunBound) throws -> Bool) throws -> RecordRun {
        let (storage, got) = try RecordStorage.filling(.frames(partition: block.partition), count: block.length) {
            try file.read(into: $0, at: block.position)
        }
        let raw = storage.bytes
        var entries: [RecordEntry] = []
        entries.reserveCapacity(block.count)
        var firstProblem: SedimentError?
        var records = 0
        var consumed = 0
        while consumed < got {
            let frame = UnsafeRawBufferPointer(rebasing: raw[consumed..<got])
            let problem: SedimentError
            switch RecordDecoder.checkFrame(frame) {
            case .body(let body):
                // Offset and timestamp lead every body (checkFrame saw it is long enough). The
                // layout of a kept record is checked here, where an error can name the file and
                // byte and --skip-corrupt can step over it; records are then read in place.
                let position = RunBound(
                    timestamp: frame.loadLittleEndian(Int64.self, at: body.lowerBound + 8), partition: block.partition,
                    offset: frame.loadLittleEndian(Int64.self, at: body.lowerBound))
                let kept = try keep(position)
                guard !kept || FrameView(body: UnsafeRawBufferPointer(rebasing: frame[body]), partition: block.partition) != nil else {
                    problem = corrupt(file, block, at: consumed, "record body does not match its length")
                    break
                }
                if kept { entries.append(RecordEntry(position: position, start: consumed + body.lowerBound, length: body.count)) }
                records += 1
                consumed += body.upperBound
                continue
            case .incomplete:
                problem = corrupt(file, block, at: consumed, "the segment ends inside a record (\(got) of \(block.length) bytes present)")
            case .corrupt(let reason):
                problem = corrupt(file, block, at: consumed, reason)
            }
            guard skipCorrupt != nil else { throw problem }
            firstProblem = firstProblem ?? problem
            // A sound length frames the next record; an unsound one frames nothing.
            consumed = RecordDecoder.frameSize(frame).map { consumed + $0 } ?? got
        }
        if got != block.length || records != block.count {
            let problem = firstProblem ?? corrupt(
                file, block, at: got, "expected \(block.count) records in \(block.length) bytes, found \(records) in \(got)")
            guard let skipCorrupt else { throw problem }
            skipCorrupt.skip(problem, messages: max(0, block.count - records))
        }
        return RecordRun(storage: storage, entries: entries)
    }

    private func file(partition: Int32, baseOffset: Int64) throws -> SystemFile {
        let cacheKey = FileKey(partition: partition, baseOffset: baseOffset)
        if let file = files[cacheKey] { return file }
        let path = layout.segmentPath(instance: instance, topic: topic, partition: partition, baseOffset: baseOffset)
        let file = try SystemFile.openForReading(path)
        if files.count > 256 { files.removeAll(keepingCapacity: true) }
        files[cacheKey] = file
        return file
    }

    private struct FileKey: Hashable {
        var partition: Int32
        var baseOffset: Int64
    }

    private func corrupt(_ file: SystemFile, _ block: BlockRow, at consumed: Int, _ reason: String) -> SedimentError {
        let position = block.position + Int64(consumed)
        return SedimentError(
            .corruptSegment, "corrupt segment \(file.path) at byte \(position): \(reason)",
            context: ["path": file.path, "position": "\(position)", "topic": topic, "partition": "\(block.partition)"])
    }
}
