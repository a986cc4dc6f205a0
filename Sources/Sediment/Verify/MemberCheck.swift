import SedimentZstd

/// Finds where a window's bytes went wrong once their SHA-256 says they did: the first
/// member the index records that does not hold what it should, then the trailer.
///
/// Inflating checks a gzip member's deflate stream and its CRC-32 and length trailer, and
/// a zstd frame's blocks and content checksum, so any changed byte there is caught. The
/// ten gzip header bytes are not covered by either; they are compared with the header
/// `GzipMember` writes. Uncompressed members carry no checksum of their own.
enum MemberCheck {
    /// What `GzipMember` writes: magic, deflate, no flags, mtime 0, then the extra flags
    /// (0, 2 or 4 by level), and 3 for Unix.
    private static let gzipHeader: [UInt8?] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, nil, 3]
    private static let extraFlags: Set<UInt8> = [0, 2, 4]
    /// A zstd frame's magic number, 0xFD2FB528 little-endian.
    private static let zstdMagic: [UInt8?] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Nil when `bytes` (the whole member) holds what the index recorded; else the byte
    /// within the member where it goes wrong, and why.
    static func firstProblem(
        in bytes: UnsafeRawBufferPointer, member: MemberRow, compression: WindowCompression
    ) -> (offset: Int, reason: String)? {
        switch compression {
        case .gzip:
            if let found = headerProblem(in: bytes, expected: gzipHeader, name: "gzip header") { return found }
        case .zstd:
            if let found = headerProblem(in: bytes, expected: zstdMagic, name: "zstd frame magic") { return found }
        case .none:
            return bytes.count == member.length ? nil : (bytes.count, "the member ends \(member.length - bytes.count) bytes short")
        }
        // Exactly the size the index records, as a sound member does: nothing to say.
        var scratch = [UInt8](repeating: 0, count: member.inputSize)
        if scratch.withUnsafeMutableBytes({ compression.inflate(bytes, into: $0) }) { return nil }
        // Otherwise the codec's own way says what is wrong.
        do {
            let inflated = try compression.inflateAnySize(bytes, sizeHint: member.inputSize)
            if inflated.count != member.inputSize {
                return (0, "it inflates to \(inflated.count) bytes, the index recorded \(member.inputSize)")
            }
        } catch {
            return (0, "it does not inflate: \(error)")
        }
        return nil
    }

    private static func headerProblem(in bytes: UnsafeRawBufferPointer, expected: [UInt8?], name: String) -> (offset: Int, reason: String)? {
        for (index, want) in expected.enumerated() {
            guard index < bytes.count else { return (bytes.count, "the member ends inside its \(name)") }
            let found = bytes[index]
            if let want, found != want {
                return (index, "\(name) byte \(index) is \(found), Sediment writes \(want)")
            }
            if want == nil && !extraFlags.contains(found) {
                return (index, "\(name) byte \(index) (extra flags) is \(found)")
            }
        }
        return nil
    }

    /// What follows the last of `members` in `size` bytes (of a file or an object), as far
    /// as the sizes tell: a trailer to read and give to `trailerProblem`, or where it is wrong.
    enum Trailer {
        /// No members, or none of the bytes after them are due.
        case whole
        case wrong(position: Int64, reason: String)
        case read(Range<Int64>)
    }

    static func trailer(after members: [MemberRow], size: Int64, compression: WindowCompression) -> Trailer {
        guard let last = members.last else { return .whole }
        let end = last.position + Int64(last.length)
        guard size > end else {
            return compression == .zstd ? .wrong(position: size, reason: "the bytes end before the seek table") : .whole
        }
        // A seek table lists 8 bytes a frame: anything much longer is not one.
        guard size - end <= Int64(compression.trailerSize(members: members.count)) + 64 else {
            return .wrong(position: end, reason: "\(size - end) bytes follow the last member, more than its trailer can be")
        }
        return .read(end..<size)
    }

    /// Nil when `tail` (the bytes after the last member) is the trailer the members call
    /// for: zstd's seek table listing exactly their sizes, nothing for the others.
    static func trailerProblem(in tail: UnsafeRawBufferPointer, members: [MemberRow], compression: WindowCompression) -> String? {
        let expected = compression.trailer(members: members.map { ($0.length, $0.inputSize) })
        guard !tail.elementsEqual(expected) else { return nil }
        guard compression == .zstd else { return "\(tail.count) bytes follow the last member, where none should" }
        do {
            let table = try ZstdSeekTable.decode(endOf: tail)
            guard table.byteCount == tail.count else {
                return "\(tail.count - table.byteCount) bytes lie between the last frame and the seek table"
            }
            for (ordinal, (entry, member)) in zip(table.entries, members).enumerated()
            where Int(entry.compressedSize) != member.length || Int(entry.decompressedSize) != member.inputSize {
                return "seek table entry \(ordinal) says \(entry.compressedSize) bytes inflating to \(entry.decompressedSize), "
                    + "the index recorded \(member.length) inflating to \(member.inputSize)"
            }
            return "the seek table lists \(table.entries.count) frames, the index \(members.count)"
        } catch {
            return "the seek table after the last frame is unreadable: \(error)"
        }
    }

    /// "member 3 (bytes 2097152..<3145728)"
    static func describe(_ member: MemberRow) -> String {
        "member \(member.ordinal) (bytes \(member.position)..<\(member.position + Int64(member.length)))"
    }
}
