import SedimentZlib

/// Finds where a window's bytes went wrong once their SHA-256 says they did: the first
/// gzip member the index records that does not hold what it should.
///
/// Inflating checks each member's deflate stream and its CRC-32 and length trailer, so
/// any changed byte there is caught. The ten header bytes are not covered by either; they
/// are compared with the header `GzipMember` writes.
enum MemberCheck {
    /// What `GzipMember` writes: magic, deflate, no flags, mtime 0, then the extra flags
    /// (0, 2 or 4 by level), and 3 for Unix.
    private static let header: [UInt8?] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, nil, 3]
    private static let extraFlags: Set<UInt8> = [0, 2, 4]

    /// Nil when `bytes` (the whole member) holds what the index recorded; else the byte
    /// within the member where it goes wrong, and why.
    static func firstProblem(in bytes: UnsafeRawBufferPointer, member: MemberRow) -> (offset: Int, reason: String)? {
        for (index, expected) in header.enumerated() {
            guard index < bytes.count else { return (bytes.count, "the member ends inside its gzip header") }
            let found = bytes[index]
            if let expected, found != expected {
                return (index, "gzip header byte \(index) is \(found), Sediment writes \(expected)")
            }
            if expected == nil && !extraFlags.contains(found) {
                return (index, "gzip header byte \(index) (extra flags) is \(found)")
            }
        }
        do {
            let inflated = try GzipInflater.decompress(bytes, sizeHint: member.inputSize)
            if inflated.count != member.inputSize {
                return (0, "it inflates to \(inflated.count) bytes, the index recorded \(member.inputSize)")
            }
        } catch {
            return (0, "it does not inflate: \(error)")
        }
        return nil
    }

    /// "member 3 (bytes 2097152..<3145728)"
    static func describe(_ member: MemberRow) -> String {
        "member \(member.ordinal) (bytes \(member.position)..<\(member.position + Int64(member.length)))"
    }
}
