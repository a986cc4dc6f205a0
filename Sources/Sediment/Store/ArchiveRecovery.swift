import Logging

/// Brings an archive back to its last durable commit when a writer opens it:
///
/// - segment files the index does not know (created by a batch that never committed)
///   are removed;
/// - bytes past a segment's committed size (a torn tail) are truncated;
/// - a last segment shorter than its committed size (lost on power loss, or cut by
///   hand) keeps every complete record: the index rows past the end are dropped, the
///   block cut in the middle is re-indexed from its surviving records, and the position
///   goes back to the first lost offset so that re-reading the source fills the gap.
struct ArchiveRecovery {
    let archive: Archive

    func run() throws {
        let index = archive.index
        var known: [PartitionKey: ArchiveIndex.PartitionRow] = [:]
        for row in try index.partitions() { known[row.key] = row }
        for (key, directory) in partitionDirectories() {
            let segments: [SegmentRow]
            if let row = known[key] {
                segments = try index.segments(partitionID: row.id)
            } else {
                segments = []
            }
            try removeUncommittedFiles(in: directory, keeping: Set(segments.map(\.baseOffset)))
            if let row = known[key], let last = segments.last {
                try recoverTail(of: row, segment: last)
            }
        }
    }

    private func partitionDirectories() -> [(PartitionKey, String)] {
        let root = archive.layout.segmentsRoot
        var found: [(PartitionKey, String)] = []
        for instance in FileSystem.contents(of: root) {
            for topic in FileSystem.contents(of: root + "/" + instance) {
                for name in FileSystem.contents(of: root + "/" + instance + "/" + topic) {
                    guard let partition = Int32(name) else { continue }
                    found.append((PartitionKey(instance: instance, topic: topic, partition: partition), "\(root)/\(instance)/\(topic)/\(name)"))
                }
            }
        }
        return found
    }

    private func removeUncommittedFiles(in directory: String, keeping committed: Set<Int64>) throws {
        for name in FileSystem.contents(of: directory) {
            guard let base = ArchiveLayout.baseOffset(fromSegmentFileName: name), !committed.contains(base) else { continue }
            try FileSystem.remove(directory + "/" + name)
            archive.logger.notice("removed uncommitted segment", metadata: ["path": "\(directory)/\(name)"])
        }
    }

    private func recoverTail(of row: ArchiveIndex.PartitionRow, segment: SegmentRow) throws {
        let key = row.key
        let path = archive.layout.segmentPath(instance: key.instance, topic: key.topic, partition: key.partition, baseOffset: segment.baseOffset)
        let file = try SystemFile.openForAppending(path, create: true)
        let size = try file.size()
        if size > segment.size {
            try file.truncate(to: segment.size)
            try file.synchronize()
            archive.logger.notice("truncated torn tail", metadata: ["path": "\(path)", "bytes": "\(size - segment.size)"])
        } else if size < segment.size {
            try recoverShortSegment(row, segment: segment, file: file, durableSize: size)
        }
    }

    private func recoverShortSegment(_ row: ArchiveIndex.PartitionRow, segment: SegmentRow, file: SystemFile, durableSize: Int64) throws {
        let key = row.key
        let index = archive.index
        let blocks = try index.blocks(of: key, segmentBase: segment.baseOffset)
        let lost = blocks.filter { $0.position + Int64($0.length) > durableSize }
        guard let cut = lost.first else { return }
        var survivors = try survivingRecords(of: cut, in: file, durableSize: durableSize, partition: key.partition)
        let end = cut.position + Int64(survivors.length)
        let nextOffset = survivors.block?.lastOffset.advanced(by: 1) ?? cut.firstOffset
        survivors.block?.ingestedAt = cut.ingestedAt
        try index.recordShortSegment(
            row, baseOffset: segment.baseOffset, lost: lost, survivor: survivors.block, end: end, nextOffset: nextOffset)
        try file.truncate(to: end)
        try file.synchronize()
        if end == 0 { try FileSystem.remove(file.path) }
        archive.logger.warning("segment shorter than its index: kept the complete records, will resume from the first lost offset", metadata: [
            "path": "\(file.path)", "expected-bytes": "\(segment.size)", "found-bytes": "\(durableSize)",
            "resume-offset": "\(nextOffset)",
        ])
    }

    /// The complete records at the start of `block` within the durable bytes, as a block row.
    private func survivingRecords(of block: BlockRow, in file: SystemFile, durableSize: Int64, partition: Int32) throws -> (block: BlockRow?, length: Int) {
        let available = Int(max(0, min(Int64(block.length), durableSize - block.position)))
        var bytes = [UInt8](repeating: 0, count: available)
        let got = try bytes.withUnsafeMutableBytes { (buffer) throws in try file.read(into: buffer, at: block.position) }
        var survivor: BlockRow?
        var consumed = 0
        bytes.withUnsafeBytes { buffer in
            while case .record(let message, let size) = RecordDecoder.decodeFrame(UnsafeRawBufferPointer(rebasing: buffer[consumed..<got]), partition: partition) {
                consumed += size
                if var row = survivor {
                    row.lastOffset = message.offset
                    row.minTimestamp = min(row.minTimestamp, message.timestamp)
                    row.maxTimestamp = max(row.maxTimestamp, message.timestamp)
                    row.count += 1
                    row.length = consumed
                    survivor = row
                } else {
                    survivor = BlockRow(
                        partition: partition, minTimestamp: message.timestamp, maxTimestamp: message.timestamp,
                        firstOffset: message.offset, lastOffset: message.offset, count: 1,
                        segmentBase: block.segmentBase, position: block.position, length: consumed, ingestedAt: block.ingestedAt)
                }
            }
        }
        return (survivor, consumed)
    }
}
