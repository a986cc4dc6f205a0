import Foundation

/// Reads members of jsonl window files (any `WindowCompression`) back into runs of lines.
///
/// A source names the members it will want next (`readAhead`); they are read and
/// inflated on the compression threads, `ahead` at a time, and handed back in the order
/// asked for: a query over many members inflates them on every core. Memory holds at
/// most `ahead` inflated members beyond the merge's own.
final class WindowMemberReader {
    private let layout: ArchiveLayout
    /// How many members may be read ahead at once. Default: one per core.
    let ahead: Int
    private var pending: [LocatedMember: PendingResult<DecodedMember>] = [:]
    /// Members inflated so far: what the seeking benchmark counts.
    private(set) var membersRead = 0
    /// Members that held at least one message the query wanted.
    private(set) var membersUsed = 0
    /// Members handed back from a read ahead rather than read when asked for.
    private(set) var membersReadAhead = 0
    /// Bytes the inflated members held.
    private(set) var bytesInflated: Int64 = 0

    private let skipCorrupt: CorruptionTally?

    init(layout: ArchiveLayout, ahead: Int = ProcessInfo.processInfo.activeProcessorCount, skipCorrupt: CorruptionTally? = nil) {
        self.layout = layout
        self.ahead = max(1, ahead)
        self.skipCorrupt = skipCorrupt
    }

    /// Starts reading `located` on a compression thread, unless it is started already or
    /// `ahead` members are in flight.
    func readAhead(_ located: LocatedMember) {
        guard pending[located] == nil, pending.count < ahead else { return }
        let result = PendingResult<DecodedMember>()
        pending[located] = result
        let root = layout.root
        CompressionWorkers.shared.run { result.finish(Result { try Self.read(located, root: root) }) }
    }

    /// Starts reading the first `ahead` of `upcoming` that are not started yet.
    func readAhead(_ upcoming: some Sequence<LocatedMember>) {
        for located in upcoming.prefix(ahead) { readAhead(located) }
    }

    /// The run of `located`: the one read ahead, or read now. A member that cannot be read
    /// whole (short, a codec checksum or length that does not match, a line that is not a
    /// message, a count unlike the index's) fails, naming the file and the member's byte;
    /// with `skipCorrupt`, it is left out whole and its index count tallied.
    func run(of located: LocatedMember) throws -> RecordRun {
        try counted(located.member) {
            guard let started = pending.removeValue(forKey: located) else { return try Self.read(located, root: layout.root) }
            membersReadAhead += 1
            return try started.wait()
        }
    }

    /// Counts a member read by `read` (a bucket's is inflated where it was fetched).
    func counted(_ member: MemberRow, _ read: () throws -> DecodedMember) throws -> RecordRun {
        let decoded: DecodedMember
        do {
            decoded = try read()
        } catch let error as SedimentError where error.code == .corruptSegment && skipCorrupt != nil {
            skipCorrupt!.skip(error, messages: member.count)
            return RecordRun(messages: [])
        }
        membersRead += 1
        bytesInflated += Int64(decoded.inflatedBytes)
        return decoded.run
    }

    /// Leaves in `run` the records in `range` and `partitions`, counting the member as used
    /// when any is left.
    func keep(_ run: consuming RecordRun, in range: Range<Int64>, partitions: Set<Int32>?) -> RecordRun {
        var run = run
        run.entries.removeAll { !range.contains($0.position.timestamp) || !(partitions?.contains($0.position.partition) ?? true) }
        if !run.isEmpty { membersUsed += 1 }
        return run
    }

    /// A member's lines, and how many bytes they took inflated.
    struct DecodedMember: Sendable {
        var run: RecordRun
        var inflatedBytes: Int
    }

    private static func read(_ located: LocatedMember, root: String) throws -> DecodedMember {
        let member = located.member
        let path = root + "/" + located.path
        let file = try SystemFile.openForReading(path)
        var compressed = [UInt8](repeating: 0, count: member.length)
        let got = try compressed.withUnsafeMutableBytes { try file.read(into: $0, at: member.position) }
        guard got == member.length else {
            throw corrupt(path, member, "the file ends \(member.length - got) bytes short of the member")
        }
        return try compressed.withUnsafeBytes { try decode($0, of: member, compression: located.compression, in: path) }
    }

    /// The lines of one member's compressed bytes, wherever they were read from (a local
    /// file, or a ranged GET of a bucket object named by `source`). Where the codec has a
    /// checksum (gzip, zstd) that vouched for the bytes, a line's place in the order is read
    /// from its opening and the line decoded whole only when a caller asks for its message;
    /// an uncompressed member has none, so each of its lines is decoded here.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, of member: MemberRow, compression: WindowCompression, in source: String
    ) throws -> DecodedMember {
        let storage = try inflated(bytes, of: member, compression: compression, in: source)
        var entries: [RecordEntry] = []
        entries.reserveCapacity(member.count)
        let raw = storage.bytes
        var start = 0
        while start < raw.count {
            let end = lineEnd(raw, from: start)
            let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
            let position: RunBound
            if compression != .none, let known = JSONLinePrefix.position(line) {
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
        guard entries.count == member.count else {
            throw corrupt(source, member, "expected \(member.count) messages, found \(entries.count)")
        }
        return DecodedMember(run: RecordRun(storage: storage, entries: entries), inflatedBytes: storage.bytes.count)
    }

    /// The member inflated into the storage its run keeps: straight into it when it holds
    /// the size the index records (as it should), which spared copying every member once
    /// more; otherwise by the codec's own way, which says what is wrong or takes it as is.
    private static func inflated(
        _ bytes: UnsafeRawBufferPointer, of member: MemberRow, compression: WindowCompression, in source: String
    ) throws -> RecordStorage {
        if member.inputSize > 0 {
            let (storage, exact) = RecordStorage.filling(.jsonLines, count: member.inputSize) { compression.inflate(bytes, into: $0) }
            if exact { return storage }
        }
        do {
            return .copying(try compression.inflateAnySize(bytes, sizeHint: member.inputSize), as: .jsonLines)
        } catch {
            throw corrupt(source, member, "\(error)")
        }
    }

    private static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = raw.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start)
        else { return raw.count }
        return UnsafeRawPointer(found) - base
    }

    private static func corrupt(_ path: String, _ member: MemberRow, _ reason: String) -> SedimentError {
        SedimentError(
            .corruptSegment, "corrupt window file \(path), member \(member.ordinal) at byte \(member.position): \(reason)",
            context: ["path": path, "position": "\(member.position)"])
    }
}
