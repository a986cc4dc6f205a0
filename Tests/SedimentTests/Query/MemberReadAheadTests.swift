import Foundation
import Testing
@testable import Sediment

/// Members read ahead on the compression threads must come back exactly as one read at a
/// time does, in the order asked for, whatever is still in flight when a reader stops.
@Suite("Window members read ahead")
struct MemberReadAheadTests {
    /// A jsonl window of several members (about 6 MB of JSON lines against 1 MiB members).
    static func window(label: String, compression: WindowCompression = .gzip) throws -> (CompactionFixture, [Message]) {
        let fixture = CompactionFixture(label: label)
        var factory = MessageFactory(seed: 5)
        let messages = (Int64(0)..<24_000).map {
            factory.message(partition: Int32($0 % 3), offset: $0 / 3, timestamp: windowBase + $0 * 100)
        }
        try fixture.append(messages)
        var change = WindowSettingsChange()
        change.compression = compression
        try fixture.compact(change, closeAll: true)
        return (fixture, messages)
    }

    static func members(_ fixture: CompactionFixture) throws -> [LocatedMember] {
        let members = try Archive.open(at: fixture.path).index.members(
            instance: fixture.instance, topic: fixture.topic, range: Int64.min..<Int64.max, maxMemberSpan: .max,
            maxFileID: .max, after: nil, limit: 1000)
        try #require(members.count >= 4, "the window must have several members for the tests to mean anything")
        return members
    }

    /// The same positions and messages, in the same order.
    static func expectSameRun(
        _ got: RecordRun, _ expected: RecordRun, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(got.entries.map(\.position) == expected.entries.map(\.position), comment, sourceLocation: sourceLocation)
        let messages = { (run: RecordRun) in try run.entries.indices.map { try run.record(at: $0).message() } }
        #expect(try messages(got) == messages(expected), comment, sourceLocation: sourceLocation)
    }

    @Test("members read ahead, several at once, give the runs read one at a time, in order, and a query gives every message once")
    func sameRuns() throws {
        let (fixture, messages) = try Self.window(label: "read-ahead")
        let members = try Self.members(fixture)
        let layout = ArchiveLayout(root: fixture.path)
        let alone = WindowMemberReader(layout: layout, ahead: 1)
        let ahead = WindowMemberReader(layout: layout, ahead: 4)
        for (index, member) in members.enumerated() {
            for upcoming in members[(index + 1)...].prefix(ahead.ahead) { ahead.readAhead(upcoming) }
            let expected = try alone.run(of: member)
            let got = try ahead.run(of: member)
            try Self.expectSameRun(got, expected)
        }
        #expect(ahead.membersRead == members.count && ahead.bytesInflated == alone.bytesInflated)
        // Every member but the first came from a read ahead, none when nothing was read ahead.
        #expect(ahead.membersReadAhead == members.count - 1 && alone.membersReadAhead == 0)
        expectSame(try fixture.query(), byTime(messages))
    }

    @Test("a member whose recorded input size is not its own is read by the codec's own way into the same run; zstd refuses a size below its frames' (it allocates no more than the index says)", arguments: WindowCompression.allCases)
    func inexactSize(compression: WindowCompression) throws {
        let (fixture, _) = try Self.window(label: "inexact-\(compression)", compression: compression)
        let reader = WindowMemberReader(layout: ArchiveLayout(root: fixture.path), ahead: 1)
        for located in try Self.members(fixture).prefix(2) {
            // At the size the index records, the member goes straight into its storage.
            let file = try SystemFile.openForReading(fixture.path + "/" + located.path)
            var stored = [UInt8](repeating: 0, count: located.member.length)
            _ = try stored.withUnsafeMutableBytes { try file.read(into: $0, at: located.member.position) }
            for (size, fits) in [(located.member.inputSize, true), (located.member.inputSize + 1, false)] {
                let output = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
                defer { output.deallocate() }
                #expect(stored.withUnsafeBytes { compression.inflate($0, into: output) } == fits, "size \(size)")
            }
            let exact = try reader.run(of: located)
            #expect(exact.entries.count == located.member.count)
            for size in [0, located.member.inputSize - 1, located.member.inputSize + 1] {
                var off = located
                off.member.inputSize = size
                if compression == .zstd && size < located.member.inputSize {
                    #expect(throws: SedimentError.self) { try reader.run(of: off) }
                    continue
                }
                let run = try reader.run(of: off)
                try Self.expectSameRun(run, exact, "size \(size)")
            }
        }
    }

    @Test("a reader dropped with members in flight, and a member read again after, are harmless; a damaged member is an error naming it when it is asked for")
    func droppedAndDamaged() throws {
        let (fixture, _) = try Self.window(label: "read-ahead-damaged")
        let members = try Self.members(fixture)
        let layout = ArchiveLayout(root: fixture.path)
        do {
            let reader = WindowMemberReader(layout: layout, ahead: 4)
            for member in members { reader.readAhead(member) }
            _ = try reader.run(of: members[0])
        }
        // The third member's bytes damaged after compaction: reading it ahead must not fail
        // the members before it, and asking for it names it.
        let damaged = members[2]
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: fixture.path + "/" + damaged.path))
        try file.seek(toOffset: UInt64(damaged.member.position) + UInt64(damaged.member.length / 2))
        try file.write(contentsOf: Data(repeating: 0xA5, count: 64))
        try file.close()
        let reader = WindowMemberReader(layout: layout, ahead: 4)
        for member in members { reader.readAhead(member) }
        _ = try reader.run(of: members[0])
        _ = try reader.run(of: members[1])
        #expect {
            _ = try reader.run(of: damaged)
        } throws: { error in
            "\(error)".contains(damaged.path) && "\(error)".contains("member \(damaged.member.ordinal) at byte \(damaged.member.position)")
        }
        _ = try reader.run(of: members[3])
    }
}
