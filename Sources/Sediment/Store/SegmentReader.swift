/// Reads index blocks out of segment files, keeping the files of one query open.
final class SegmentReader {
    private let layout: ArchiveLayout
    private let instance: String
    private let topic: String
    private var files: [FileKey: SystemFile] = [:]
    private var buffer: [UInt8] = []
    private let skipCorrupt: CorruptionTally?

    init(layout: ArchiveLayout, instance: String, topic: String, skipCorrupt: CorruptionTally? = nil) {
        self.layout = layout
        self.instance = instance
        self.topic = topic
        self.skipCorrupt = skipCorrupt
    }

    /// Every record of `block`, in file order. A block the index names must be whole:
    /// anything short or corrupt is an error that says where. With `skipCorrupt`, a record
    /// whose CRC fails is stepped over when its length is sound, the rest of the block is
    /// left when it is not, and the messages missing from the block's count are tallied.
    func messages(of block: BlockRow) throws -> [Message] {
        let file = try file(partition: block.partition, baseOffset: block.segmentBase)
        if buffer.count < block.length { buffer = [UInt8](repeating: 0, count: block.length) }
        let got = try buffer.withUnsafeMutableBytes { raw in
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<block.length]), at: block.position)
        }
        var messages: [Message] = []
        messages.reserveCapacity(block.count)
        var firstProblem: SedimentError?
        try buffer.withUnsafeBytes { raw in
            var consumed = 0
            while consumed < got {
                let rest = UnsafeRawBufferPointer(rebasing: raw[consumed..<got])
                switch RecordDecoder.decodeFrame(rest, partition: block.partition) {
                case .record(let message, let size):
                    messages.append(message)
                    consumed += size
                case .incomplete:
                    let problem = corrupt(file, block, at: consumed, "the segment ends inside a record (\(got) of \(block.length) bytes present)")
                    guard skipCorrupt != nil else { throw problem }
                    firstProblem = firstProblem ?? problem
                    consumed = got
                case .corrupt(let reason):
                    let problem = corrupt(file, block, at: consumed, reason)
                    guard skipCorrupt != nil else { throw problem }
                    firstProblem = firstProblem ?? problem
                    // A sound length frames the next record; an unsound one frames nothing.
                    let size = RecordDecoder.frameSize(rest)
                    consumed = size.map { consumed + $0 } ?? got
                }
            }
        }
        guard got == block.length, messages.count == block.count else {
            let problem = firstProblem ?? corrupt(
                file, block, at: got, "expected \(block.count) records in \(block.length) bytes, found \(messages.count) in \(got)")
            guard let skipCorrupt else { throw problem }
            skipCorrupt.skip(problem, messages: max(0, block.count - messages.count))
            return messages
        }
        return messages
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
