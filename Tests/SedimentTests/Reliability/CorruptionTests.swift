import Foundation
import GRDB
import Testing
@testable import Sediment

/// Bytes flipped in real segment and window files: `query` never prints what a corrupt
/// record held. It fails naming the file and the byte, or with `--skip-corrupt` leaves the
/// record (a whole member for a window file) out and counts the messages lost on stderr.
@Suite("Corrupt segments and window files (CLI)")
struct CorruptionTests {
    /// Values that name their message, so that one message's bytes can be found in a file.
    static func messages(_ count: Int, spacing: Int64, valueBytes: Int) -> [Message] {
        (0..<count).map { index in
            let marker = Array("message-\(String(format: "%06d", index))-".utf8)
            let filler = (0..<valueBytes - marker.count).map { UInt8(ascii: "a") + UInt8(($0 * 7 + index) % 26) }
            return Message(offset: Int64(index), timestamp: windowBase + Int64(index) * spacing, value: marker + filler)
        }
    }

    static func query(_ fixture: CompactionFixture, _ extra: [String] = []) throws -> CLIProcess.Result {
        try CLIProcess.run(
            ["query", "--archive", fixture.path, "--topic", fixture.topic, "--from", "\(windowBase)",
             "--to", "\(windowBase + minutes(60))", "--format", "jsonl"] + extra,
            scratch: fixture.directory)
    }

    @Test("a segment record whose CRC fails stops the query at its file and byte; --skip-corrupt leaves that one message out")
    func corruptSegmentRecord() throws {
        let fixture = CompactionFixture(label: "corrupt-segment")
        let written = Self.messages(2_000, spacing: 10, valueBytes: 120)
        try fixture.append(written)
        let before = try Self.query(fixture)
        let all = try OutputLine.decodeStrict(before.stdout)
        #expect(before.succeeded && all.count == written.count, "\(before.summary)")

        let segment = fixture.path + "/segments/local/orders/0/" + ArchiveLayout.segmentFileName(0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        let position = try #require(bytes.range(of: Data("message-000777-".utf8))).lowerBound + 20
        try flipByte(at: Int64(position), of: segment)

        let failed = try Self.query(fixture)
        #expect(!failed.succeeded)
        #expect(failed.stderr.contains("corrupt segment \(segment) at byte") && failed.stderr.contains("CRC mismatch"), "\(failed.stderr)")
        let printed = try OutputLine.decodeFast(failed.stdout)
        #expect(printed.allSatisfy { $0.offset < 777 }, "nothing at or past the corrupt record was printed")

        let skipped = try Self.query(fixture, ["--skip-corrupt"])
        #expect(skipped.succeeded, "\(skipped.summary)")
        let lines = try OutputLine.decodeStrict(skipped.stdout)
        #expect(lines.map(\.offset) == Array(0..<2_000).filter { $0 != 777 })
        #expect(zip(lines, written.filter { $0.offset != 777 }).allSatisfy { $0.payload == $1.value })
        #expect(skipped.stderr.contains("skipped: corrupt segment \(segment) at byte"), "\(skipped.stderr)")
        #expect(skipped.stderr.contains("1 messages lost"), "\(skipped.stderr)")
    }

    @Test("compaction that meets a record whose CRC fails, in a block read ahead, stops naming its file and byte, and leaves no window file")
    func corruptSegmentRecordCompacted() throws {
        let fixture = CompactionFixture(label: "corrupt-compacted")
        // Before the corrupt record, more members than the compressor keeps in flight (two
        // a core) and a few: a submit beyond that many waits for the oldest member and
        // writes it, so the window's temporary file exists before the merge reaches the
        // corrupt block (whose error waits for it there, read ahead or not).
        let before = (2 * ProcessInfo.processInfo.activeProcessorCount + 3) * 5_000
        try fixture.append(Self.messages(before + 5_000, spacing: 10, valueBytes: 120))
        let directory = fixture.path + "/segments/local/orders/0/"
        let marker = Data("message-\(String(format: "%06d", before))-".utf8)
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).map { directory + $0 }.first {
            try Data(contentsOf: URL(fileURLWithPath: $0)).range(of: marker) != nil
        })
        let position = try #require(try Data(contentsOf: URL(fileURLWithPath: segment)).range(of: marker)).lowerBound + 20
        try flipByte(at: Int64(position), of: segment)

        #expect {
            try fixture.compact(granularity(60), closeAll: true)
        } throws: { error in
            let message = "\(error)"
            return message.contains("corrupt segment \(segment) at byte") && message.contains("CRC mismatch")
        }
        #expect(try fixture.files().isEmpty)
        #expect(fixture.visibleWindowFiles().isEmpty)
        #expect(FullDiskTests.leftovers(fixture.path).isEmpty, "no temporary window file is left")
    }

    @Test("a segment record whose CRC matches but whose body does not match its layout stops the query at its file and byte; --skip-corrupt leaves it out")
    func malformedSegmentRecord() throws {
        let fixture = CompactionFixture(label: "malformed-segment")
        let written = Self.messages(2_000, spacing: 10, valueBytes: 120)
        try fixture.append(written)
        let segment = fixture.path + "/segments/local/orders/0/" + ArchiveLayout.segmentFileName(0)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        // The value leads with its marker; before it: the frame's 8 bytes, then offset,
        // timestamp, type, a null key's length, the header count and the value's length.
        let value = try #require(Data(bytes).range(of: Data("message-000777-".utf8))).lowerBound
        let frame = value - (8 + 8 + 8 + 1 + 4 + 4 + 4)
        bytes[frame + 8 + 8 + 8 + 1 + 4] = 9
        let length = Int(UInt32(bytes[frame]) | UInt32(bytes[frame + 1]) << 8 | UInt32(bytes[frame + 2]) << 16 | UInt32(bytes[frame + 3]) << 24)
        bytes.withUnsafeMutableBytes { RecordFormat.seal(UnsafeMutableRawBufferPointer(rebasing: $0[frame..<frame + 8 + length])) }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let failed = try Self.query(fixture)
        #expect(!failed.succeeded)
        #expect(failed.stderr.contains("corrupt segment \(segment) at byte \(frame)") && failed.stderr.contains("does not match its length"), "\(failed.stderr)")
        let skipped = try Self.query(fixture, ["--skip-corrupt"])
        #expect(skipped.succeeded, "\(skipped.summary)")
        #expect(try OutputLine.decodeStrict(skipped.stdout).map(\.offset) == Array(0..<2_000).filter { $0 != 777 })
        #expect(skipped.stderr.contains("1 messages lost"), "\(skipped.stderr)")
    }

    @Test("a window-file member whose gzip CRC fails stops the query at its file and byte; --skip-corrupt leaves the member out and counts its messages")
    func corruptWindowMember() throws {
        let fixture = CompactionFixture(label: "corrupt-window")
        // About 2 MB of lines in one 5-minute window: members hold about 1 MiB of input each.
        let written = Self.messages(6_000, spacing: 40, valueBytes: 300)
        try fixture.append(written)
        try fixture.compact(granularity(5), closeAll: true)
        let file = try #require(try fixture.files().first)
        let members = try Archive.open(at: fixture.path).index.read { db in
            try Row.fetchAll(db, sql: "SELECT position, length, message_count FROM window_members WHERE file_id = ? ORDER BY ordinal", arguments: [file.id])
                .map { (position: $0["position"] as Int, length: $0["length"] as Int, count: $0["message_count"] as Int) }
        }
        try #require(members.count >= 2, "the window needs two members, got \(members.count)")
        let path = fixture.path + "/" + file.path
        // The first byte of the member's CRC-32 trailer: the deflate data still inflates.
        let member = members[1]
        try flipByte(at: Int64(member.position + member.length - 8), of: path)

        let failed = try Self.query(fixture)
        #expect(!failed.succeeded)
        #expect(failed.stderr.contains("corrupt window file \(path), member 1 at byte \(member.position)"), "\(failed.stderr)")
        #expect(try OutputLine.decodeFast(failed.stdout).count <= members[0].count, "nothing of the corrupt member was printed")

        let skipped = try Self.query(fixture, ["--skip-corrupt"])
        #expect(skipped.succeeded, "\(skipped.summary)")
        let lines = try OutputLine.decodeStrict(skipped.stdout)
        let lost = Set(members[0].count..<members[0].count + member.count)
        #expect(lines.map(\.offset) == Array(0..<written.count).filter { !lost.contains($0) })
        #expect(skipped.stderr.contains("\(member.count) messages lost in 1 corrupt places"), "\(skipped.stderr)")

        let counted = try Self.query(fixture, ["--skip-corrupt", "--count"])
        #expect(counted.stdoutText == "\(written.count - member.count)\n", "\(counted.summary)")
    }

    @Test("serve's /api/query never streams a corrupt member: the answer is an error naming the file and byte, or cut short, and the server logs which")
    func servedQueryOfACorruptMember() async throws {
        let serve = try ServeFixture(label: "corrupt-serve")
        let file = try #require(try serve.archive.files().first)
        let member = try Archive.open(at: serve.archive.path).index.read { db in
            try Row.fetchOne(db, sql: "SELECT position, length FROM window_members WHERE file_id = ? ORDER BY ordinal", arguments: [file.id])
                .map { (position: $0["position"] as Int, length: $0["length"] as Int) }
        }
        let first = try #require(member)
        let path = serve.archive.path + "/" + file.path
        try flipByte(at: Int64(first.position + first.length - 8), of: path)
        let named = "corrupt window file \(path), member 0 at byte \(first.position)"
        do {
            let reply = try await serve.get("/api/query?topic=orders&from=0")
            #expect(reply.status != 200 && reply.text.contains(named), "a corrupt member answered \(reply.status) with \(reply.body.count) bytes: \(reply.text.prefix(500))")
        } catch {
            // The status went out before the member was read: the body was cut short, and
            // only the server's log can say why.
        }
        try await eventually("the server logs the failed query, naming the file and byte", timeout: .seconds(60)) {
            serve.server.stderrSoFar.contains(named)
        }
    }
}
