/// A window object downloaded beside its place in the archive and checked, with what the
/// index will record of it: from its manifest, or found by reading it.
struct FetchedWindow: Sendable {
    var key: String
    var relativePath: String
    var temporaryPath: String
    var size: Int64
    var md5: String
    var sha256: String
    var instance: String
    var topic: String
    var format: WindowSettings.Format
    var compression: WindowCompression
    var windowStart: Int64 = 0
    var windowEnd: Int64 = 0
    var part = 1
    /// The one partition of a split file (`WindowFile.splitPartition`).
    var splitPartition: Int32?
    var level = WindowSettings().compressionLevel
    var windowTime = WindowSettings.WindowTime.message
    var count = 0
    var minTimestamp: Int64 = 0
    var maxTimestamp: Int64 = 0
    var inputSize: Int64 = 0
    var partitions: [WindowPartitionRow] = []
    var members: [MemberRow] = []
    /// True when no manifest described it.
    var rebuilt = false

    /// What a manifest says of its window's settings, for a window that has none.
    struct Shape: Hashable, Sendable {
        var granularity: Int64
        var level: Int
        var windowTime: WindowSettings.WindowTime

        init(of manifest: WindowManifest) {
            granularity = manifest.windowEnd - manifest.windowStart
            level = manifest.level
            windowTime = manifest.windowTime.flatMap(WindowSettings.WindowTime.init(rawValue:)) ?? .message
        }
    }

    init(
        key: String, relativePath: String, temporaryPath: String, size: Int64, md5: String, sha256: String,
        instance: String, topic: String, format: WindowSettings.Format, compression: WindowCompression
    ) {
        self.key = key
        self.relativePath = relativePath
        self.temporaryPath = temporaryPath
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
        self.instance = instance
        self.topic = topic
        self.format = format
        self.compression = compression
    }

    mutating func describe(with manifest: WindowManifest) {
        windowStart = manifest.windowStart
        windowEnd = manifest.windowEnd
        compression = manifest.compression
        level = manifest.level
        windowTime = manifest.windowTime.flatMap(WindowSettings.WindowTime.init(rawValue:)) ?? .message
        count = manifest.count
        minTimestamp = manifest.minTimestamp
        maxTimestamp = manifest.maxTimestamp
        inputSize = manifest.members.reduce(0) { $0 + Int64($1.inputSize) }
        partitions = manifest.partitions.map {
            WindowPartitionRow(partition: $0.partition, firstOffset: $0.firstOffset, lastOffset: $0.lastOffset, count: $0.count, coveredEnd: $0.lastOffset + 1)
        }
        members = manifest.members.enumerated().map { ordinal, member in
            MemberRow(
                fileID: 0, ordinal: ordinal, minTimestamp: member.minTimestamp, maxTimestamp: member.maxTimestamp,
                position: member.offset, length: member.length, inputSize: member.inputSize, count: member.count)
        }
    }

    /// Reads the downloaded file through, member by member, for what a manifest would
    /// have said. Its settings are `shape`'s: those of most windows of its topic.
    mutating func describeByReading(windowStart: Int64, shape: Shape?) throws {
        guard format == .jsonl else {
            throw WindowRestorer.Mismatch("it has no manifest, and only jsonl windows can be read through to rebuild one")
        }
        guard let shape else {
            throw WindowRestorer.Mismatch("it has no manifest, and no other window of the topic tells how long its windows are")
        }
        rebuilt = true
        self.windowStart = windowStart
        windowEnd = windowStart + shape.granularity
        level = shape.level
        windowTime = shape.windowTime
        var offsets: [Int32: (first: Int64, last: Int64, count: Int)] = [:]
        var minimum = Int64.max
        var maximum = Int64.min
        let path = relativePath
        func take(_ member: WindowMemberWalk.Member) throws {
            var stats = MemberRow(
                fileID: 0, ordinal: members.count, minTimestamp: .max, maxTimestamp: .min, position: member.offset,
                length: member.length, inputSize: member.output.count, count: 0)
            try member.output.withUnsafeBytes { raw in
                var start = 0
                while start < raw.count {
                    let end = raw[start...].firstIndex(of: UInt8(ascii: "\n")) ?? raw.count
                    let message: Message
                    do {
                        message = try JSONLineDecoder.decode(UnsafeRawBufferPointer(rebasing: raw[start..<end])).message
                    } catch {
                        throw WindowRestorer.Mismatch("member \(stats.ordinal) at byte \(member.offset), line \(stats.count + 1): \(error)")
                    }
                    stats.count += 1
                    stats.minTimestamp = min(stats.minTimestamp, message.timestamp)
                    stats.maxTimestamp = max(stats.maxTimestamp, message.timestamp)
                    let known = offsets[message.partition]
                    offsets[message.partition] = (
                        min(known?.first ?? .max, message.offset), max(known?.last ?? .min, message.offset), (known?.count ?? 0) + 1)
                    start = end + 1
                }
            }
            guard stats.count > 0 else { throw WindowRestorer.Mismatch("member \(stats.ordinal) at byte \(member.offset) of \(path) holds no message") }
            minimum = min(minimum, stats.minTimestamp)
            maximum = max(maximum, stats.maxTimestamp)
            count += stats.count
            inputSize += Int64(stats.inputSize)
            members.append(stats)
        }
        try WindowMemberWalk.walk(temporaryPath, compression: compression, member: take)
        minTimestamp = minimum
        maxTimestamp = maximum
        partitions = offsets.keys.sorted().map { partition in
            let held = offsets[partition]!
            return WindowPartitionRow(partition: partition, firstOffset: held.first, lastOffset: held.last, count: held.count, coveredEnd: held.last + 1)
        }
    }

    /// Moves the checked file into its place, durably.
    func install(root: String) throws {
        let final = root + "/" + relativePath
        try FileSystem.rename(temporaryPath, to: final)
        FileSystem.synchronizeDirectory(FileSystem.parentDirectory(final))
    }

    func discard(root: String) {
        try? FileSystem.remove(temporaryPath)
    }

    /// Removes the installed file, for a window the index then refused.
    func uninstall(root: String) {
        try? FileSystem.remove(root + "/" + relativePath)
    }

    func record(writtenAt: Int64) -> WindowFileRecord {
        WindowFileRecord(
            instance: instance, topic: topic, windowStart: windowStart, windowEnd: windowEnd, part: part, path: relativePath,
            format: format, compression: compression, count: count, skipped: 0, minTimestamp: minTimestamp, maxTimestamp: maxTimestamp,
            inputSize: inputSize, size: size, md5: md5, sha256: sha256, writtenAt: writtenAt,
            splitPartition: splitPartition, partitions: partitions,
            members: members)
    }
}
