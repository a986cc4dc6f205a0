import SedimentZlib

/// Reads gzip members of jsonl window files back into messages, keeping the files of
/// one query open.
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

    private let skipCorrupt: CorruptionTally?

    init(layout: ArchiveLayout, skipCorrupt: CorruptionTally? = nil) {
        self.layout = layout
        self.skipCorrupt = skipCorrupt
    }

    /// The messages of a member of a local window file. A member that cannot be read whole
    /// (short, a gzip CRC or length that does not match, a line that is not a message, a
    /// count unlike the index's) fails, naming the file and the member's byte; with
    /// `skipCorrupt`, it is left out whole and its index count tallied.
    func messages(of located: LocatedMember) throws -> [Message] {
        let member = located.member
        let path = layout.root + "/" + located.path
        let file = try file(at: path)
        if compressed.count < member.length { compressed = [UInt8](repeating: 0, count: member.length) }
        let got = try compressed.withUnsafeMutableBytes { raw in
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<member.length]), at: member.position)
        }
        guard got == member.length else {
            return try skipping(corrupt(path, member, "the file ends \(member.length - got) bytes short of the member"), member)
        }
        return try compressed.withUnsafeBytes { try decode(UnsafeRawBufferPointer(rebasing: $0[0..<member.length]), of: member, in: path) }
    }

    /// The messages of one member's compressed bytes, wherever they were read from (a
    /// local file, or a ranged GET of a bucket object named by `source`).
    func decode(_ bytes: UnsafeRawBufferPointer, of member: MemberRow, in source: String) throws -> [Message] {
        do {
            return try decodeWhole(bytes, of: member, in: source)
        } catch let error as SedimentError where error.code == .corruptSegment {
            return try skipping(error, member)
        }
    }

    /// No messages, once the member is tallied as skipped; or `error` thrown when skipping was not asked for.
    private func skipping(_ error: SedimentError, _ member: MemberRow) throws -> [Message] {
        guard let skipCorrupt else { throw error }
        skipCorrupt.skip(error, messages: member.count)
        return []
    }

    private func decodeWhole(_ bytes: UnsafeRawBufferPointer, of member: MemberRow, in source: String) throws -> [Message] {
        let lines: [UInt8]
        do {
            lines = try GzipInflater.decompress(bytes, sizeHint: member.inputSize)
        } catch {
            throw corrupt(source, member, "\(error)")
        }
        membersRead += 1
        bytesInflated += Int64(lines.count)
        var messages: [Message] = []
        messages.reserveCapacity(member.count)
        try lines.withUnsafeBytes { raw in
            var start = 0
            var lineNumber = 0
            while start < raw.count {
                let end = raw[start...].firstIndex(of: UInt8(ascii: "\n")) ?? raw.count
                lineNumber += 1
                do {
                    messages.append(try JSONLineDecoder.decode(UnsafeRawBufferPointer(rebasing: raw[start..<end])).message)
                } catch {
                    throw corrupt(source, member, "line \(lineNumber) of the member: \(error)")
                }
                start = end + 1
            }
        }
        guard messages.count == member.count else {
            throw corrupt(source, member, "expected \(member.count) messages, found \(messages.count)")
        }
        return messages
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
