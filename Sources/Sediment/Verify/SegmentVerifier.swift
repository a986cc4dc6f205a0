/// Checks one partition's segment files against the index, one segment per call: every
/// record's CRC, the blocks' byte ranges, counts, offsets and times against the records
/// they cover, and the offsets in order, with the gaps between them.
///
/// Only the committed bytes are read: past a segment's committed size lies a torn tail
/// or a batch being written, which recovery truncates when a writer opens the archive.
struct SegmentVerifier: Sendable {
    let layout: ArchiveLayout
    let index: ArchiveIndex
    let partition: VerifyPartition

    struct Outcome: Sendable {
        var findings: [VerifyFinding] = []
        var bytes: Int64 = 0
        var records: Int64 = 0
        /// The highest offset held so far in the partition, where the next gap starts.
        var previousOffset: Int64?
    }

    func relativePath(of segment: SegmentRow) -> String {
        let key = partition.key
        return "segments/\(key.instance)/\(key.topic)/\(key.partition)/" + ArchiveLayout.segmentFileName(segment.baseOffset)
    }

    func check(_ segment: SegmentRow, after previousOffset: Int64?) throws -> Outcome {
        let key = partition.key
        let relative = relativePath(of: segment)
        let blocks = try index.verifyBlocks(of: key, segmentBase: segment.baseOffset, below: segment.size)
        var outcome = Outcome(previousOffset: previousOffset)
        func problem(_ kind: VerifyProblem.Kind, at position: Int64?, _ detail: String) {
            outcome.findings.append(.problem(VerifyProblem(kind, file: relative, position: position, detail)))
        }
        // Whatever the bytes hold, the next segment's gap starts where the index says this one ends.
        let indexedLast = blocks.map(\.lastOffset).max()
        func skipToIndexedEnd() {
            if let indexedLast { outcome.previousOffset = max(outcome.previousOffset ?? indexedLast, indexedLast) }
        }

        let path = layout.segmentPath(instance: key.instance, topic: key.topic, partition: key.partition, baseOffset: segment.baseOffset)
        guard FileSystem.exists(path) else {
            problem(.segmentMissing, at: nil, "missing; the index lists it with \(segment.size) committed bytes" + Self.offsets(of: blocks))
            skipToIndexedEnd()
            return outcome
        }
        let file = try SystemFile.openForReading(path)
        let size = try file.size()
        if size < segment.size {
            problem(.segmentMissing, at: size, "the file ends at byte \(size), but \(segment.size) bytes were committed: the rest is gone")
        }
        checkTiling(blocks, committed: segment.size, problem)

        var scan = RecordScan(blocks: blocks, partition: partition, file: relative)
        let reader = SegmentFrameReader(file: file, limit: min(size, segment.size), partition: key.partition)
        // A short file's last block is cut: its count would only repeat that the bytes are gone.
        var damaged = size < segment.size
        reading: while true {
            let start = reader.position
            switch try reader.next() {
            case .end:
                break reading
            case .record(let message, let size):
                scan.add(message, at: start, size: size, into: &outcome)
            case .incomplete(let length):
                // A short file was reported above. Within the committed bytes, a length that
                // runs past them is a damaged length field (its CRC cannot be checked), or a
                // committed size the writer did not write.
                if size >= segment.size {
                    problem(.segmentRecord, at: start, "the record's length says \(length) bytes, which runs past the committed size \(segment.size)")
                }
                damaged = true
                break reading
            case .corrupt(let reason):
                problem(.segmentRecord, at: start, "\(reason) (\(scan.describeRecord(at: start, unverifiedOffset: reader.unverifiedOffset(), previous: outcome.previousOffset)))")
                damaged = true
                break reading
            }
        }
        if !damaged { scan.finishBlock(into: &outcome) }
        outcome.bytes = reader.position
        if damaged { skipToIndexedEnd() }
        return outcome
    }

    /// The blocks must cover the committed bytes back to back, as the writer appends them.
    private func checkTiling(_ blocks: [BlockRow], committed: Int64, _ problem: (VerifyProblem.Kind, Int64?, String) -> Void) {
        var end: Int64 = 0
        for block in blocks {
            if block.position > end {
                problem(.index, end, "bytes \(end)..<\(block.position) are in no block of the index")
            } else if block.position < end {
                problem(.index, block.position, "the block of offsets \(block.firstOffset)...\(block.lastOffset) overlaps the one before it, which ends at byte \(end)")
            }
            end = max(end, block.position + Int64(block.length))
        }
        if end < committed {
            problem(.index, end, "bytes \(end)..<\(committed) are committed but in no block of the index")
        } else if end > committed {
            problem(.index, committed, "the index's blocks run to byte \(end), past the committed size \(committed)")
        }
    }

    static func offsets(of blocks: [BlockRow]) -> String {
        guard let first = blocks.first, let last = blocks.last else { return "" }
        return ", offsets \(first.firstOffset)...\(last.lastOffset)"
    }
}

/// The records of one segment as they are read, against the blocks that index them.
private struct RecordScan {
    let blocksByPosition: [Int64: BlockRow]
    let partition: VerifyPartition
    let file: String
    private var block: BlockRow?
    private var tally: Tally?
    private var reportedCrossing = false
    private var reportedOrder = false
    private var reportedPosition = false

    struct Tally {
        var count = 0
        var firstOffset = Int64.max
        var lastOffset = Int64.min
        var minTimestamp = Int64.max
        var maxTimestamp = Int64.min
    }

    init(blocks: [BlockRow], partition: VerifyPartition, file: String) {
        var byPosition: [Int64: BlockRow] = [:]
        for block in blocks { byPosition[block.position] = block }
        blocksByPosition = byPosition
        self.partition = partition
        self.file = file
    }

    mutating func add(_ message: Message, at start: Int64, size: Int, into outcome: inout SegmentVerifier.Outcome) {
        func problem(_ detail: String) {
            outcome.findings.append(.problem(VerifyProblem(.index, file: file, position: start, detail)))
        }
        if let next = blocksByPosition[start] {
            finishBlock(into: &outcome)
            block = next
            tally = Tally()
        }
        if let block, start + Int64(size) > block.position + Int64(block.length), !reportedCrossing {
            reportedCrossing = true
            problem("the record at offset \(message.offset) runs past the end of its block (byte \(block.position + Int64(block.length)))")
        }
        if tally != nil {
            tally!.count += 1
            tally!.firstOffset = min(tally!.firstOffset, message.offset)
            tally!.lastOffset = max(tally!.lastOffset, message.offset)
            tally!.minTimestamp = min(tally!.minTimestamp, message.timestamp)
            tally!.maxTimestamp = max(tally!.maxTimestamp, message.timestamp)
        }
        if message.offset >= partition.nextOffset, !reportedPosition {
            reportedPosition = true
            problem("offset \(message.offset) is at or past the partition's position \(partition.nextOffset)")
        }
        if let previous = outcome.previousOffset {
            if message.offset <= previous {
                if !reportedOrder {
                    reportedOrder = true
                    problem("offset \(message.offset) comes after offset \(previous): offsets must increase")
                }
            } else if message.offset > previous + 1 {
                outcome.findings.append(.gap(gap(previous + 1...message.offset - 1, file: file, position: start)))
            }
        }
        outcome.previousOffset = max(outcome.previousOffset ?? message.offset, message.offset)
        outcome.records += 1
    }

    /// Compares what the current block's records hold with what its index row says.
    mutating func finishBlock(into outcome: inout SegmentVerifier.Outcome) {
        defer { block = nil; tally = nil }
        guard let block, let tally else { return }
        let indexed = Tally(
            count: block.count, firstOffset: block.firstOffset, lastOffset: block.lastOffset,
            minTimestamp: block.minTimestamp, maxTimestamp: block.maxTimestamp)
        guard indexed.count != tally.count || indexed.firstOffset != tally.firstOffset || indexed.lastOffset != tally.lastOffset
            || indexed.minTimestamp != tally.minTimestamp || indexed.maxTimestamp != tally.maxTimestamp
        else { return }
        outcome.findings.append(.problem(VerifyProblem(
            .index, file: file, position: block.position,
            "the index's block says \(Self.describe(indexed)); its bytes hold \(Self.describe(tally))")))
    }

    private static func describe(_ tally: Tally) -> String {
        guard tally.count > 0 else { return "no record" }
        return "\(tally.count) records, offsets \(tally.firstOffset)...\(tally.lastOffset), timestamps \(tally.minTimestamp)...\(tally.maxTimestamp)"
    }

    /// The gap's reason: a segment retention deleted, if one held offsets in it; else the
    /// broker's retention, if `dump` recorded it deleted some of them.
    func gap(_ offsets: ClosedRange<Int64>, file: String?, position: Int64?) -> OffsetGap {
        let key = partition.key
        let deleted = partition.deletedSegments.first { $0.firstOffset <= offsets.upperBound && $0.lastOffset >= offsets.lowerBound }
        let unavailable = partition.unavailable.contains { $0.firstOffset <= offsets.upperBound && $0.lastOffset >= offsets.lowerBound }
        return OffsetGap(
            instance: key.instance, topic: key.topic, partition: key.partition,
            firstOffset: offsets.lowerBound, lastOffset: offsets.upperBound,
            reason: deleted != nil ? .retention : unavailable ? .brokerRetention : .source,
            file: file, position: position, deletedSegment: deleted.map { ArchiveLayout.segmentFileName($0.baseOffset) })
    }

    /// Which record a damaged frame is: its own offset field when that is plausible (the
    /// CRC did not vouch for it), else the record it follows.
    func describeRecord(at start: Int64, unverifiedOffset: Int64?, previous: Int64?) -> String {
        let holder = blocksByPosition[start] ?? block
        if let offset = unverifiedOffset, offset > (previous ?? Int64.min), let holder,
            holder.firstOffset <= offset, offset <= holder.lastOffset {
            return "record at offset \(offset)"
        }
        if let previous { return "the record after offset \(previous)" }
        return "the segment's first record"
    }
}

extension SegmentVerifier {
    /// The gap between the partition's last record and its position, if there is one:
    /// offsets the source skipped at the end (a transaction's marker, say).
    func trailingGap(after last: Int64?, lastSegment: SegmentRow) -> OffsetGap? {
        guard let last, partition.nextOffset > last + 1 else { return nil }
        let scan = RecordScan(blocks: [], partition: partition, file: relativePath(of: lastSegment))
        return scan.gap(last + 1...partition.nextOffset - 1, file: relativePath(of: lastSegment), position: lastSegment.size)
    }
}
