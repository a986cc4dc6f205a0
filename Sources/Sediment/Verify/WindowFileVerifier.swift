/// Checks a window file on disk against the index: its size and SHA-256, read in chunks;
/// when they differ, where: the first member that fails, or where the sizes part.
struct WindowFileVerifier: Sendable {
    let layout: ArchiveLayout
    let index: ArchiveIndex

    struct Outcome: Sendable {
        var problem: VerifyProblem?
        var bytes: Int64 = 0
    }

    func check(_ window: WindowFile) throws -> Outcome {
        let path = layout.root + "/" + window.path
        guard FileSystem.exists(path) else {
            return Outcome(problem: VerifyProblem(
                .windowFileMissing, file: window.path, position: nil,
                "missing; the index records it (\(window.size) bytes, \(window.count) messages) and no retention deleted it"))
        }
        let file = try SystemFile.openForReading(path)
        let (digest, size) = try FileDigest.sha256(of: file)
        var outcome = Outcome(bytes: size)
        if size != window.size {
            outcome.problem = VerifyProblem(
                .windowFileChanged, file: window.path, position: min(size, window.size),
                "the file is \(size) bytes, the index recorded \(window.size)")
            return outcome
        }
        guard digest != window.sha256 else { return outcome }
        var detail = "SHA-256 \(digest) is not the \(window.sha256) the index recorded"
        var position: Int64?
        if let found = try firstBadMember(of: window, in: file) {
            position = found.position
            detail += "; \(found.reason)"
        } else {
            detail += window.compression == .none
                ? "; uncompressed members carry no checksum that could tell which one changed"
                : "; every member the index records is whole, so the change is in bytes none of them covers"
        }
        outcome.problem = VerifyProblem(.windowFileChanged, file: window.path, position: position, detail)
        return outcome
    }

    /// The first member of `window` whose bytes in `file` are wrong, one member in memory
    /// at a time (about 1 MiB of input each).
    private func firstBadMember(of window: WindowFile, in file: SystemFile) throws -> (position: Int64, reason: String)? {
        var bytes: [UInt8] = []
        let members = try index.members(ofFile: window.id)
        for member in members {
            if bytes.count < member.length { bytes = [UInt8](repeating: 0, count: member.length) }
            let got = try bytes.withUnsafeMutableBytes { raw in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<member.length]), at: member.position)
            }
            let found = bytes.withUnsafeBytes { raw in
                MemberCheck.firstProblem(in: UnsafeRawBufferPointer(rebasing: raw[0..<got]), member: member, compression: window.compression)
            }
            if let found {
                return (member.position + Int64(found.offset), "\(MemberCheck.describe(member)): \(found.reason)")
            }
        }
        switch MemberCheck.trailer(after: members, size: window.size, compression: window.compression) {
        case .whole: return nil
        case .wrong(let position, let reason): return (position, reason)
        case .read(let range):
            var tail = [UInt8](repeating: 0, count: range.count)
            let got = try tail.withUnsafeMutableBytes { try file.read(into: $0, at: range.lowerBound) }
            return tail.withUnsafeBytes { raw in
                MemberCheck.trailerProblem(in: UnsafeRawBufferPointer(rebasing: raw[0..<got]), members: members, compression: window.compression)
            }.map { (range.lowerBound, $0) }
        }
    }
}
