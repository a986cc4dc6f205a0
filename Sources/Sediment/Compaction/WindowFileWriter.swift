import Crypto

/// Writes one window write: the messages of one window, in order, as one or more files
/// of members of about 1 MiB of input each (gzip members, zstd frames then a seek table,
/// or the bytes themselves: `WindowCompression`), split into parts at the size cap.
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
    private let writtenAt: Int64
    private var nextPart: Int
    private var chunk: [UInt8] = []
    private var chunkStats = Stats()
    private var queued: [Stats] = []
    private var part: OpenPart?
    private var closed: [(part: OpenPart, record: WindowFileRecord)] = []
    private var producedMember = false

    init(
        layout: ArchiveLayout, instance: String, topic: String, window: WindowSchedule.Window, firstPart: Int,
        coveredEnd: [Int32: Int64], writtenAt: Int64
    ) throws {
        self.layout = layout
        self.instance = instance
        self.topic = topic
        self.window = window
        self.encoder = WindowEncoder(topic: topic, settings: window.settings)
        self.coveredEnd = coveredEnd
        self.compressor = ParallelCompressor(compress: window.settings.compression.memberMaker(level: window.settings.compressionLevel))
        self.writtenAt = writtenAt
        self.nextPart = firstPart
        chunk.reserveCapacity(Self.memberInputSize + 64 << 10)
        try Self.removeUnrecorded(layout: layout, instance: instance, topic: topic, window: window, fromPart: firstPart)
    }

    func append(_ record: Record) throws {
        if try encoder.append(record, to: &chunk) {
            chunkStats.add(record.position)
        } else {
            chunkStats.skip(record.position)
        }
        if chunk.count >= Self.memberInputSize { try submitChunk() }
    }

    /// Makes every part durable under its final name and returns them, in part order.
    func finish() throws -> [WindowFileRecord] {
        if !chunk.isEmpty || !producedMember && queued.isEmpty { try submitChunk() }
        for member in try compressor.finish() { try place(member) }
        try closePart()
        for (part, _) in closed { try FileSystem.rename(part.temporaryPath, to: part.finalPath) }
        if let first = closed.first { FileSystem.synchronizeDirectory(FileSystem.parentDirectory(first.part.finalPath)) }
        return closed.map(\.record)
    }

    /// Removes what was written so far: the window is left as if never started.
    func abandon() {
        _ = try? compressor.finish()
        if let part { try? FileSystem.remove(part.temporaryPath) }
        for (part, _) in closed { try? FileSystem.remove(part.temporaryPath) }
    }

    private func submitChunk() throws {
        queued.append(chunkStats)
        chunkStats = Stats()
        for member in try compressor.submit(&chunk) { try place(member) }
    }

    private func place(_ member: ParallelCompressor.Member) throws {
        producedMember = true
        let stats = queued.removeFirst()
        let trailer = Int64(window.settings.compression.trailerSize(members: (part?.members.count ?? 0) + 1))
        if let current = part, current.size > 0, current.size + Int64(member.bytes.count) + trailer > window.settings.maxFileSize {
            try closePart()
        }
        if part == nil { part = try openPart() }
        try part!.append(member, stats: stats)
    }

    private func openPart() throws -> OpenPart {
        let relative = ArchiveLayout.windowFilePath(
            instance: instance, topic: topic, windowStart: window.start, part: nextPart, format: window.settings.format,
            compression: window.settings.compression)
        nextPart += 1
        let finalPath = layout.root + "/" + relative
        let directory = FileSystem.parentDirectory(finalPath)
        try FileSystem.createDirectories(directory)
        let temporaryPath = directory + "/." + String(finalPath[finalPath.index(after: finalPath.lastIndex(of: "/")!)...]) + ".tmp"
        try FileSystem.remove(temporaryPath)
        return OpenPart(
            number: nextPart - 1, relativePath: relative, finalPath: finalPath, temporaryPath: temporaryPath,
            file: try SystemFile.openForAppending(temporaryPath, create: true))
    }

    private func closePart() throws {
        guard var current = part else { return }
        part = nil
        try current.appendTrailer(window.settings.compression)
        try current.file.synchronize()
        closed.append((current, current.record(
            instance: instance, topic: topic, window: window, coveredEnd: coveredEnd, writtenAt: writtenAt)))
    }

    /// Deletes files of this window from `fromPart` on, and temporary files: none is in the
    /// index (recorded parts are below `fromPart`), so they are leftovers of a crash.
    static func removeUnrecorded(
        layout: ArchiveLayout, instance: String, topic: String, window: WindowSchedule.Window, fromPart: Int
    ) throws {
        let first = layout.root + "/" + ArchiveLayout.windowFilePath(
            instance: instance, topic: topic, windowStart: window.start, part: 1, format: window.settings.format,
            compression: window.settings.compression)
        let directory = FileSystem.parentDirectory(first)
        let seconds = "\(UTCDate.floorDivide(window.start, 1000))"
        for name in FileSystem.contents(of: directory) {
            let visible = name.hasPrefix(".") ? String(name.dropFirst().dropLast(4)) : name
            guard visible.hasPrefix(seconds + "."), let part = Self.part(ofFileName: visible, seconds: seconds) else { continue }
            if part >= fromPart || name.hasPrefix(".") { try FileSystem.remove(directory + "/" + name) }
        }
    }

    /// 1 for `<seconds>.<ext>`, N for `<seconds>.partN.<ext>`.
    static func part(ofFileName name: String, seconds: String) -> Int? {
        let rest = name.dropFirst(seconds.count + 1)
        guard rest.hasPrefix("part") else { return 1 }
        return Int(rest.dropFirst(4).prefix { $0.isNumber })
    }
}
