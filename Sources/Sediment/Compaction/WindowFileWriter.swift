import Crypto

/// Writes one window write: the messages of one window, in order, as one or more files
/// of members of about 1 MiB of input each (gzip members, zstd frames then a seek table,
/// or the bytes themselves: `WindowCompression`), split into parts at the size cap.
/// With `split` `partition`, each partition of the window gets its own file series, each
/// split into parts at the cap on its own; the members of every series go through one
/// compressor, so that what is in flight stays bounded whatever the partition count.
///
/// Parts are written under hidden temporary names, fsynced, and renamed to their final
/// names only when the whole window is written; the caller records them in the index
/// after that, so a crash leaves either nothing visible or files that the next run
/// writes again under the same names (`removeUnrecorded` clears any it would not).
final class WindowFileWriter {
    static let memberInputSize = 1 << 20

    private let layout: ArchiveLayout
    private let instance: String
    private let topic: String
    private let window: WindowSchedule.Window
    private let encoder: WindowEncoder
    private let coveredEnd: [Int32: Int64]
    private let compressor: ParallelCompressor
    /// Writes and digests members in order, off the thread that merges.
    private let lane = SerialLane()
    private let writtenAt: Int64
    private var splitsByPartition: Bool { window.settings.split == .partition }
    /// Per series (its split partition; nil for the series holding every partition), the
    /// highest part the index holds already.
    private let recordedParts: [Int32?: Int]
    /// The series in the order they started, so that `finish` goes through them the same
    /// way each run. An array, reached by index: a dictionary lookup per record (hashing,
    /// retaining) took half again the CPU of a whole compaction.
    private var series: [Series] = []
    /// Where each split partition's series is in `series`.
    private var seriesOfPartition: [Int32: Int] = [:]
    /// The series (its index) and stats of every chunk submitted and not yet placed, oldest first.
    private var queued: [(series: Int, stats: Stats)] = []
    private var closed: [(part: OpenPart, record: WindowFileRecord)] = []
    /// The archive's count of bytes not yet in the index, which holds this writer's
    /// `unrecorded` until it goes, after its caller recorded the files (or left them).
    private let unrecordedBytes: UnrecordedWindowBytes
    private var unrecorded: Int64 = 0

    /// One file series being written: its chunk filling up, and its part open.
    private struct Series {
        /// Its split partition; nil for the series holding every partition.
        let key: Int32?
        var nextPart: Int
        var chunk: [UInt8] = []
        var chunkStats = Stats()
        var part: OpenPart?
        var submittedAny = false
    }

    init(
        layout: ArchiveLayout, instance: String, topic: String, window: WindowSchedule.Window, recordedParts: [Int32?: Int],
        coveredEnd: [Int32: Int64], writtenAt: Int64, unrecordedBytes: UnrecordedWindowBytes
    ) throws {
        self.layout = layout
        self.instance = instance
        self.topic = topic
        self.window = window
        self.encoder = WindowEncoder(topic: topic, settings: window.settings)
        self.coveredEnd = coveredEnd
        self.compressor = ParallelCompressor(compress: window.settings.compression.memberMaker(level: window.settings.compressionLevel))
        self.writtenAt = writtenAt
        self.recordedParts = recordedParts
        self.unrecordedBytes = unrecordedBytes
        try Self.removeUnrecorded(layout: layout, instance: instance, topic: topic, window: window, recordedParts: recordedParts)
    }

    deinit { unrecordedBytes.add(-unrecorded) }

    func append(_ record: Record) throws {
        let index: Int
        if !splitsByPartition {
            if series.isEmpty { startSeries(nil) }
            index = 0
        } else if let known = seriesOfPartition[record.position.partition] {
            index = known
        } else {
            index = startSeries(record.position.partition)
        }
        if try encoder.append(record, to: &series[index].chunk) {
            series[index].chunkStats.add(record.position)
        } else {
            series[index].chunkStats.skip(record.position)
        }
        if series[index].chunk.count >= Self.memberInputSize { try submitChunk(of: index) }
    }

    @discardableResult
    private func startSeries(_ key: Int32?) -> Int {
        var new = Series(key: key, nextPart: (recordedParts[key] ?? 0) + 1)
        new.chunk.reserveCapacity(Self.memberInputSize + 64 << 10)
        series.append(new)
        if let key { seriesOfPartition[key] = series.count - 1 }
        return series.count - 1
    }

    /// Makes every part durable under its final name and returns them, in series then part order.
    func finish() throws -> [WindowFileRecord] {
        // A series whose messages were all left out still gets its (empty) file: it says
        // the partitions were seen.
        for index in series.indices where !series[index].chunk.isEmpty || !series[index].submittedAny { try submitChunk(of: index) }
        for member in try compressor.finish() { try place(member) }
        for index in series.indices { try closePart(of: index) }
        for (part, _) in closed { try FileSystem.rename(part.temporaryPath, to: part.finalPath) }
        if let first = closed.first { FileSystem.synchronizeDirectory(FileSystem.parentDirectory(first.part.finalPath)) }
        return closed.sorted { ($0.record.splitPartition ?? -1, $0.record.part) < ($1.record.splitPartition ?? -1, $1.record.part) }
            .map(\.record)
    }

    /// Removes what was written so far: the window is left as if never started.
    func abandon() {
        _ = try? compressor.finish()
        try? lane.drain()
        for open in series { if let part = open.part { try? FileSystem.remove(part.temporaryPath) } }
        for (part, _) in closed { try? FileSystem.remove(part.temporaryPath) }
    }

    private func submitChunk(of index: Int) throws {
        queued.append((index, series[index].chunkStats))
        series[index].chunkStats = Stats()
        series[index].submittedAny = true
        for member in try compressor.submit(&series[index].chunk) { try place(member) }
    }

    private func place(_ member: ParallelCompressor.Member) throws {
        let (index, stats) = queued.removeFirst()
        let trailer = Int64(window.settings.compression.trailerSize(members: (series[index].part?.members.count ?? 0) + 1))
        if let current = series[index].part, current.size > 0,
           current.size + Int64(member.bytes.count) + trailer > window.settings.maxFileSize {
            try closePart(of: index)
        }
        if series[index].part == nil { series[index].part = try openPart(of: index) }
        try series[index].part!.append(member, stats: stats)
        unrecorded += Int64(member.bytes.count)
        unrecordedBytes.add(Int64(member.bytes.count))
    }

    private func openPart(of index: Int) throws -> OpenPart {
        let key = series[index].key
        let number = series[index].nextPart
        let relative = ArchiveLayout.windowFilePath(
            instance: instance, topic: topic, windowStart: window.start, splitPartition: key, part: number,
            format: window.settings.format, compression: window.settings.compression)
        series[index].nextPart += 1
        let finalPath = layout.root + "/" + relative
        let directory = FileSystem.parentDirectory(finalPath)
        try FileSystem.createDirectories(directory)
        let temporaryPath = directory + "/." + String(finalPath[finalPath.index(after: finalPath.lastIndex(of: "/")!)...]) + ".tmp"
        try FileSystem.remove(temporaryPath)
        return OpenPart(
            number: number, splitPartition: key, relativePath: relative, finalPath: finalPath, temporaryPath: temporaryPath,
            file: try SystemFile.openForAppending(temporaryPath, create: true), lane: lane)
    }

    private func closePart(of index: Int) throws {
        guard var current = series[index].part else { return }
        try current.appendTrailer(window.settings.compression)
        // A write that failed on the lane surfaces here: the part stays in its series until
        // it is durable, so that `abandon` still finds its temporary file to remove.
        try current.synchronize()
        series[index].part = nil
        closed.append((current, current.record(
            instance: instance, topic: topic, window: window, coveredEnd: coveredEnd, writtenAt: writtenAt)))
    }

    /// Deletes the window's temporary files, and its files of each series from the part
    /// after the highest the index holds (`recordedParts`) on: none is in the index, so
    /// they are leftovers of a crash.
    static func removeUnrecorded(
        layout: ArchiveLayout, instance: String, topic: String, window: WindowSchedule.Window, recordedParts: [Int32?: Int]
    ) throws {
        let first = layout.root + "/" + ArchiveLayout.windowFilePath(
            instance: instance, topic: topic, windowStart: window.start, part: 1, format: window.settings.format,
            compression: window.settings.compression)
        let directory = FileSystem.parentDirectory(first)
        let seconds = "\(UTCDate.floorDivide(window.start, 1000))"
        for name in FileSystem.contents(of: directory) {
            let visible = name.hasPrefix(".") ? String(name.dropFirst().dropLast(4)) : name
            guard let suffix = Self.suffix(ofFileName: visible, seconds: seconds) else { continue }
            if suffix.part > recordedParts[suffix.splitPartition] ?? 0 || name.hasPrefix(".") { try FileSystem.remove(directory + "/" + name) }
        }
    }

    /// The suffix of a window file of the window starting at `seconds` (Unix seconds), or
    /// nil for any other name: `<seconds><suffix>.<extension>`.
    static func suffix(ofFileName name: String, seconds: String) -> WindowFileSuffix? {
        guard name.hasPrefix(seconds), let (_, _, stem) = WindowSettings.Format.ending(Substring(name)) else { return nil }
        return WindowFileSuffix(parsing: stem.dropFirst(seconds.count))
    }
}
