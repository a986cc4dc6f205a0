import Crypto

extension WindowFileWriter {
    /// What one member (or one file) holds.
    struct Stats {
        struct Range {
            var first: Int64
            var last: Int64
            var count: Int
        }

        var minTimestamp = Int64.max
        var maxTimestamp = Int64.min
        var count = 0
        var skipped = 0
        /// In the order first seen; past a few, `slots` finds a partition's entry with one
        /// lookup per message.
        private var entries: [(partition: Int32, range: Range)] = []
        private var slots: [Int32: Int] = [:]

        var partitions: [(partition: Int32, range: Range)] { entries.sorted { $0.partition < $1.partition } }

        mutating func add(_ message: RunBound) {
            minTimestamp = min(minTimestamp, message.timestamp)
            maxTimestamp = max(maxTimestamp, message.timestamp)
            count += 1
            note(message.partition, Range(first: message.offset, last: message.offset, count: 1))
        }

        /// A message the policy left out still counts as seen: its partition is covered.
        mutating func skip(_ message: RunBound) {
            skipped += 1
            note(message.partition, Range(first: message.offset, last: message.offset, count: 0))
        }

        private mutating func note(_ partition: Int32, _ range: Range) {
            if let slot = slot(of: partition) {
                entries[slot].range.first = min(entries[slot].range.first, range.first)
                entries[slot].range.last = max(entries[slot].range.last, range.last)
                entries[slot].range.count += range.count
            } else {
                slots[partition] = entries.count
                entries.append((partition, range))
            }
        }

        /// A few partitions are found by looking through them, without hashing.
        private func slot(of partition: Int32) -> Int? {
            guard entries.count > 8 else { return entries.firstIndex { $0.partition == partition } }
            return slots[partition]
        }

        mutating func merge(_ other: Stats) {
            minTimestamp = min(minTimestamp, other.minTimestamp)
            maxTimestamp = max(maxTimestamp, other.maxTimestamp)
            count += other.count
            skipped += other.skipped
            for (partition, range) in other.entries { note(partition, range) }
        }
    }

    /// A part being written under its temporary name.
    struct OpenPart {
        let number: Int
        let splitPartition: Int32?
        let relativePath: String
        let finalPath: String
        let temporaryPath: String
        let file: SystemFile
        var size: Int64 = 0
        var inputSize: Int64 = 0
        var stats = Stats()
        /// Every member, empty ones too (a trailer lists them all; `record` leaves them out).
        var members: [MemberRow] = []
        private let sink: DigestingWriter
        private let lane: SerialLane

        init(
            number: Int, splitPartition: Int32?, relativePath: String, finalPath: String, temporaryPath: String, file: SystemFile,
            lane: SerialLane
        ) {
            self.number = number
            self.splitPartition = splitPartition
            self.relativePath = relativePath
            self.finalPath = finalPath
            self.temporaryPath = temporaryPath
            self.file = file
            self.sink = DigestingWriter(file: file)
            self.lane = lane
        }

        mutating func append(_ member: ParallelCompressor.Member, stats memberStats: Stats) throws {
            let position = size
            try write(member.bytes)
            members.append(MemberRow(
                fileID: 0, ordinal: members.count,
                minTimestamp: memberStats.count > 0 ? memberStats.minTimestamp : 0,
                maxTimestamp: memberStats.count > 0 ? memberStats.maxTimestamp : 0,
                position: position, length: member.bytes.count, inputSize: member.inputCount, count: memberStats.count))
            inputSize += Int64(member.inputCount)
            stats.merge(memberStats)
        }

        /// What the codec puts after the last member (zstd's seek table), before the fsync.
        mutating func appendTrailer(_ compression: WindowCompression) throws {
            let trailer = compression.trailer(members: members.map { ($0.length, $0.inputSize) })
            guard !trailer.isEmpty else { return }
            try write(trailer)
        }

        /// Queues the bytes on the writer's lane: writing them and feeding the digests left the
        /// merging thread, which had spent a fifth of its time there.
        private mutating func write(_ bytes: [UInt8]) throws {
            let (sink, position) = (sink, size)
            try lane.submit { try sink.write(bytes, at: position) }
            size += Int64(bytes.count)
        }

        /// Waits for what the lane holds of this part, then makes the part durable.
        func synchronize() throws {
            try lane.drain()
            try file.synchronize()
        }

        func record(
            instance: String, topic: String, window: WindowSchedule.Window, coveredEnd: [Int32: Int64], writtenAt: Int64
        ) -> WindowFileRecord {
            WindowFileRecord(
                instance: instance, topic: topic, windowStart: window.start, windowEnd: window.end, part: number,
                path: relativePath, format: window.settings.format, compression: window.settings.compression, count: stats.count, skipped: stats.skipped,
                minTimestamp: stats.count > 0 ? stats.minTimestamp : window.start,
                maxTimestamp: stats.count > 0 ? stats.maxTimestamp : window.start,
                inputSize: inputSize, size: size, md5: sink.md5.finalize().hexString, sha256: sink.sha256.finalize().hexString,
                writtenAt: writtenAt, splitPartition: splitPartition,
                partitions: stats.partitions.map { partition, range in
                    WindowPartitionRow(
                        partition: partition, firstOffset: range.first, lastOffset: range.last, count: range.count,
                        coveredEnd: coveredEnd[partition] ?? range.last + 1)
                },
                members: members.filter { $0.count > 0 })
        }
    }
}

extension WindowFileWriter.OpenPart {
    /// A part's file and digests, written on the lane one member after the other.
    final class DigestingWriter: @unchecked Sendable {
        // @unchecked: only lane jobs touch it, one at a time, until `drain` returns.
        private let file: SystemFile
        private(set) var md5 = Insecure.MD5()
        private(set) var sha256 = SHA256()

        init(file: SystemFile) { self.file = file }

        func write(_ bytes: [UInt8], at position: Int64) throws {
            try bytes.withUnsafeBytes { bytes in
                try file.write(bytes, at: position)
                // Written back while the next members compress: the fsync that closes the
                // part then has little left to wait for.
                file.startWriteback(at: position, count: bytes.count)
                md5.update(bufferPointer: bytes)
                sha256.update(bufferPointer: bytes)
            }
        }
    }
}
