import SedimentZlib
import SedimentZstd

/// Walks the members of a window file without an index: where each lies and what it
/// holds, one member in memory at a time. How a window object without a manifest gets
/// its member index back: gzip members found by inflating, zstd frames from the seek
/// table at the end, and an uncompressed file cut where the writer cut it.
enum WindowMemberWalk {
    struct Member {
        var offset: Int64
        var length: Int
        var output: [UInt8]
    }

    static func walk(_ path: String, compression: WindowCompression, member: (Member) throws -> Void) throws {
        let file = try SystemFile.openForReading(path)
        switch compression {
        case .gzip: try gzipMembers(file, member: member)
        case .zstd: try zstdFrames(file, member: member)
        case .none: try lineRanges(file, member: member)
        }
    }

    private static func gzipMembers(_ file: SystemFile, member: (Member) throws -> Void) throws {
        let scanner = try GzipMemberScanner()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position: Int64 = 0
        while true {
            let got = try chunk.withUnsafeMutableBytes { try file.read(into: $0, at: position) }
            if got == 0 { break }
            do {
                try chunk.withUnsafeBytes {
                    try scanner.feed(UnsafeRawBufferPointer(rebasing: $0[0..<got])) {
                        try member(Member(offset: $0.offset, length: $0.length, output: $0.output))
                    }
                }
            } catch let error as ZlibError {
                throw WindowRestorer.Mismatch("it is not a window of gzip members: \(error)")
            }
            position += Int64(got)
        }
        do { try scanner.finish() } catch { throw WindowRestorer.Mismatch("\(error)") }
    }

    private static func zstdFrames(_ file: SystemFile, member: (Member) throws -> Void) throws {
        let size = try file.size()
        // The footer names the number of frames, which gives the table's length.
        let footer = try read(file, at: max(0, size - 9), count: Int(min(size, 9)))
        let frames = footer.count == 9 ? Int(footer[0]) | Int(footer[1]) << 8 | Int(footer[2]) << 16 | Int(footer[3]) << 24 : 0
        let width = footer.count == 9 && footer[4] & 0x80 != 0 ? 12 : 8
        let tableSize = Int64(8 + frames * width + 9)
        guard tableSize <= size else { throw WindowRestorer.Mismatch("it does not end with a zstd seek table") }
        let table: ZstdSeekTable
        do {
            table = try read(file, at: size - tableSize, count: Int(tableSize)).withUnsafeBytes { try ZstdSeekTable.decode(endOf: $0) }
        } catch {
            throw WindowRestorer.Mismatch("it does not end with a zstd seek table: \(error)")
        }
        // The table comes with the object, damaged or made up: its frames must tile the file
        // before any is read, so that nothing the size of a claim is allocated.
        let covered = table.entries.reduce(Optional(Int64(0))) { total, entry in
            total.flatMap { let (sum, overflow) = $0.addingReportingOverflow(Int64(entry.compressedSize)); return overflow ? nil : sum }
        }
        guard covered == size - tableSize else {
            throw WindowRestorer.Mismatch(
                "its seek table's frames cover \(covered.map { "\($0)" } ?? "more than \(Int64.max)") bytes, the file holds \(size - tableSize) before the table")
        }
        var offset: Int64 = 0
        for (ordinal, entry) in table.entries.enumerated() {
            let bytes = try read(file, at: offset, count: Int(entry.compressedSize))
            // Likewise the output: the frame's own header must claim what the table does.
            guard let declared = bytes.withUnsafeBytes(ZstdFrame.contentSize) else {
                throw WindowRestorer.Mismatch("frame \(ordinal) at byte \(offset) does not record its content size, which every frame Sediment writes does")
            }
            guard declared == UInt64(entry.decompressedSize) else {
                throw WindowRestorer.Mismatch(
                    "frame \(ordinal) at byte \(offset) holds \(declared) bytes by its header, its seek table says \(entry.decompressedSize)")
            }
            let output: [UInt8]
            do {
                output = try bytes.withUnsafeBytes { try ZstdFrame.decompress($0, size: Int(entry.decompressedSize)) }
            } catch {
                throw WindowRestorer.Mismatch("frame \(ordinal) at byte \(offset), as its seek table places it: \(error)")
            }
            guard output.count == Int(entry.decompressedSize) else {
                throw WindowRestorer.Mismatch(
                    "frame \(ordinal) at byte \(offset) inflates to \(output.count) bytes, its seek table says \(entry.decompressedSize)")
            }
            try member(Member(offset: offset, length: bytes.count, output: output))
            offset += Int64(entry.compressedSize)
        }
    }

    /// Cut where the writer cut: after the first line that brings a member to 1 MiB.
    private static func lineRanges(_ file: SystemFile, member: (Member) throws -> Void) throws {
        let size = WindowFileWriter.memberInputSize
        var pending: [UInt8] = []
        var start: Int64 = 0
        var position: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: size)
        while true {
            let got = try chunk.withUnsafeMutableBytes { try file.read(into: $0, at: position) }
            position += Int64(got)
            pending += chunk[0..<got]
            while pending.count >= size, let end = pending[(size - 1)...].firstIndex(of: UInt8(ascii: "\n")) {
                try member(Member(offset: start, length: end + 1, output: Array(pending[0...end])))
                start += Int64(end + 1)
                pending.removeFirst(end + 1)
            }
            if got == 0 { break }
        }
        if !pending.isEmpty { try member(Member(offset: start, length: pending.count, output: pending)) }
    }

    private static func read(_ file: SystemFile, at position: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: position) }
        guard got == count else { throw WindowRestorer.Mismatch("the file ends \(count - got) bytes short of byte \(position + Int64(count))") }
        return bytes
    }
}
