import Foundation
import SedimentZstd
import Testing
@testable import Sediment

/// A zstd window without a manifest is read through its seek table, which comes from the
/// bucket: sizes it makes up are refused, naming what they claim, before anything the
/// size of a claim is allocated or read.
@Suite("Window member walk")
struct WindowMemberWalkTests {
    let scratch = TemporaryDirectory(label: "member-walk")

    /// `body` followed by a seek table of `entries`, as a file.
    func file(_ body: [UInt8], entries: [ZstdSeekTable.Entry]) throws -> String {
        let path = scratch.file("window-\(UUID().uuidString).jsonl.zst")
        try Data(body + ZstdSeekTable(entries: entries).encoded).write(to: URL(fileURLWithPath: path))
        return path
    }

    func mismatch(walking path: String) -> String? {
        do {
            try WindowMemberWalk.walk(path, compression: .zstd) { _ in Issue.record("a member of a hostile table was read") }
            return nil
        } catch let error as WindowRestorer.Mismatch {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    @Test("frames the seek table sizes past the file (4 GiB each) are refused as not tiling it, before any is read")
    func framesPastTheFile() throws {
        let frame = try ZstdFrame.compress(Array(repeating: UInt8(ascii: "x"), count: 1000), level: 3)
        for entries in [
            [ZstdSeekTable.Entry(compressedSize: 0xFFFF_FFF0, decompressedSize: 1000)],
            Array(repeating: ZstdSeekTable.Entry(compressedSize: .max, decompressedSize: .max), count: 3),
            [ZstdSeekTable.Entry(compressedSize: UInt32(frame.count), decompressedSize: 1000),
             ZstdSeekTable.Entry(compressedSize: .max, decompressedSize: .max)],
        ] {
            let claimed = entries.reduce(Int64(0)) { $0 + Int64($1.compressedSize) }
            let reason = mismatch(walking: try file(frame, entries: entries))
            #expect(reason == "its seek table's frames cover \(claimed) bytes, the file holds \(frame.count) before the table", "\(reason ?? "no error")")
        }
    }

    @Test("a frame the seek table says inflates to 4 GB is refused by its own header's content size, before inflating")
    func contentSizePastTheFrame() throws {
        let frame = try ZstdFrame.compress(Array(repeating: UInt8(ascii: "x"), count: 1000), level: 3)
        let path = try file(frame, entries: [ZstdSeekTable.Entry(compressedSize: UInt32(frame.count), decompressedSize: 4_000_000_000)])
        let reason = mismatch(walking: path)
        #expect(reason == "frame 0 at byte 0 holds 1000 bytes by its header, its seek table says 4000000000", "\(reason ?? "no error")")
    }

    @Test("a frame whose header records no content size (zstd -c --no-content-size) is refused: every frame Sediment writes records one")
    func noContentSize() throws {
        let input = scratch.file("plain.txt")
        try Data(repeating: UInt8(ascii: "x"), count: 1000).write(to: URL(fileURLWithPath: input))
        let frame = [UInt8](try CompactionFixture.run("zstd", ["-q", "-c", "--no-content-size", input]))
        #expect(frame.withUnsafeBytes(ZstdFrame.contentSize) == nil)
        let path = try file(frame, entries: [ZstdSeekTable.Entry(compressedSize: UInt32(frame.count), decompressedSize: 1000)])
        let reason = mismatch(walking: path)
        #expect(reason == "frame 0 at byte 0 does not record its content size, which every frame Sediment writes does", "\(reason ?? "no error")")
    }
}
