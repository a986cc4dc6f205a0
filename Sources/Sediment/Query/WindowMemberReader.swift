import Foundation

/// Reads members of jsonl window files (any `WindowCompression`) back into runs of
/// lines, keeping the files of one query open.
final class WindowMemberReader {
    private let layout: ArchiveLayout
    private var files: [String: SystemFile] = [:]
    private var compressed: [UInt8] = []
    /// Members inflated so far: what the seeking benchmark counts.
    private(set) var membersRead = 0
    /// Members that held at least one message the query wanted.
    var membersUsed = 0
    /// Bytes the inflated members held.
    private(set) var bytesInflated: Int64 = 0

    init(layout: ArchiveLayout) { self.layout = layout }

    func run(of located: LocatedMember) throws -> RecordRun {
        let member = located.member
        let path = layout.root + "/" + located.path
        let file = try file(at: path)
        if compressed.count < member.length { compressed = [UInt8](repeating: 0, count: member.length) }
        let got = try compressed.withUnsafeMutableBytes { raw in
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<member.length]), at: member.position)
        }
        guard got == member.length else {
            throw corrupt(path, member, "the file ends \(member.length - got) bytes short of the member")
        }
        return try compressed.withUnsafeBytes { try decode(UnsafeRawBufferPointer(rebasing: $0[0..<member.length]), of: member, compression: located.compression, in: path) }
    }

    /// The lines of one member's compressed bytes, wherever they were read from (a local
    /// file, or a ranged GET of a bucket object named by `source`). Each line's place in
    /// the order is read from its opening; a line is decoded whole only when that opening
    /// is not the encoder's, or when a caller asks for its message (the member's checksum
    /// has vouched for its bytes).
    func decode(_ bytes: UnsafeRawBufferPointer, of member: MemberRow, compression: WindowCompression, in source: String) throws -> RecordRun {
        let lines: [UInt8]
        do {
            lines = try compression.inflate(bytes, sizeHint: member.inputSize)
        } catch {
            throw corrupt(source, member, "\(error)")
        }
        membersRead += 1
        bytesInflated += Int64(lines.count)
        var entries: [RecordEntry] = []
        entries.reserveCapacity(member.count)
        try lines.withUnsafeBytes { raw in
            var start = 0
            while start < raw.count {
                let end = Self.lineEnd(raw, from: start)
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                let position: RunBound
                if let known = JSONLinePrefix.position(line) {
                    position = known
                } else {
                    do {
                        position = RunBound(try JSONLineDecoder.decode(line).message)
                    } catch {
                        throw corrupt(source, member, "line \(entries.count + 1) of the member: \(error)")
                    }
                }
                entries.append(RecordEntry(position: position, start: start, length: end - start))
                start = end + 1
            }
        }
        guard entries.count == member.count else {
            throw corrupt(source, member, "expected \(member.count) messages, found \(entries.count)")
        }
        return RecordRun(.jsonLines(lines), entries: entries)
    }

    /// Leaves in `run` the records in `range` and `partitions`, counting the member as used
    /// when any is left.
    func keep(_ run: consuming RecordRun, in range: Range<Int64>, partitions: Set<Int32>?) -> RecordRun {
        var run = run
        run.entries.removeAll { !range.contains($0.position.timestamp) || !(partitions?.contains($0.position.partition) ?? true) }
        if !run.isEmpty { membersUsed += 1 }
        return run
    }

    private static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = raw.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start)
        else { return raw.count }
        return UnsafeRawPointer(found) - base
    }

    private func file(at path: String) throws -> SystemFile {
        if let file = files[path] { return file }
        let file = try SystemFile.openForReading(path)
        if files.count > 64 { files.removeAll(keepingCapacity: true) }
        files[path] = file
        return file
    }

    private func corrupt(_ path: String, _ member: MemberRow, _ reason: String) -> SedimentError {
        SedimentError(
            .corruptSegment, "corrupt window file \(path), member \(member.ordinal) at byte \(member.position): \(reason)",
            context: ["path": path, "position": "\(member.position)"])
    }
}
