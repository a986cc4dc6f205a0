import Crypto
import Foundation
import SedimentObjectStore

/// Checks one window a target confirmed: the object is there with the size, ETag and
/// SHA-256 it was uploaded with (and, `deep`, its bytes hash to that SHA-256), and its
/// manifest says what the index says. Memory stays at one chunk or one member.
struct BucketVerifier: Sendable {
    let layout: ArchiveLayout
    let index: ArchiveIndex
    let store: any ObjectStore
    let deep: Bool
    /// Window files the local check found changed: they cannot show where an object differs.
    let changedFiles: Set<Int64>

    static let chunkSize: Int64 = 8 << 20

    struct Outcome: Sendable {
        var problems: [VerifyProblem] = []
        var bytesRead: Int64 = 0
    }

    func check(_ window: UploadedWindow) async throws -> Outcome {
        var outcome = Outcome()
        try await checkObject(window, &outcome)
        try await checkManifest(window, &outcome)
        return outcome
    }

    private func checkObject(_ window: UploadedWindow, _ outcome: inout Outcome) async throws {
        let (file, key) = (window.file, window.key)
        let object = store.target.fullKeyDescription(key)
        guard let info = try await store.headObject(key: key) else {
            outcome.problems.append(VerifyProblem(
                .objectMissing, key: key, object: object, position: nil,
                "missing; the index records it uploaded from \(file.path) (\(file.size) bytes, ETag \(window.etag ?? "unknown"))"))
            return
        }
        var differences: [String] = []
        if info.size != file.size { differences.append("\(info.size) bytes, uploaded \(file.size)") }
        if let etag = window.etag, info.etag.lowercased() != etag.lowercased() {
            differences.append("ETag \(info.etag), uploaded \(etag)")
        }
        if let sha256 = info.metadata["sha256"] {
            if sha256.lowercased() != file.sha256 { differences.append("sha256 metadata \(sha256), uploaded \(file.sha256)") }
        } else if info.etag.contains("-") || info.etag.lowercased() != file.md5 {
            // A single-part ETag is the MD5 of the bytes, which vouches for them as the
            // uploader's own check (`existingObject`) accepts; anything else needs the SHA-256.
            differences.append("no sha256 metadata (uploaded with \(file.sha256))")
        }
        if deep && differences.isEmpty {
            let digest = try await sha256(of: key, size: info.size, &outcome)
            if digest != file.sha256 { differences.append("its bytes hash to SHA-256 \(digest), uploaded \(file.sha256)") }
        }
        guard !differences.isEmpty else { return }
        let found = try await firstDifference(window, objectSize: info.size, &outcome)
        outcome.problems.append(VerifyProblem(
            .objectChanged, key: key, object: object, position: found?.position,
            differences.joined(separator: "; ") + (found.map { "; " + $0.reason } ?? "")))
    }

    private func sha256(of key: String, size: Int64, _ outcome: inout Outcome) async throws -> String {
        var hash = SHA256()
        var position: Int64 = 0
        while position < size {
            let end = min(position + Self.chunkSize, size)
            let bytes = try await store.getObject(key: key, range: position...(end - 1), maxBytes: Int(Self.chunkSize))
            guard !bytes.isEmpty else { break }
            hash.update(data: bytes)
            position += Int64(bytes.count)
            outcome.bytesRead += Int64(bytes.count)
        }
        return hash.finalize().hexString
    }

    /// Where a changed object parts from what was uploaded: byte by byte against the local
    /// file while it is there and sound, else the first member that fails, then the trailer.
    private func firstDifference(_ window: UploadedWindow, objectSize: Int64, _ outcome: inout Outcome) async throws -> (position: Int64, reason: String)? {
        let file = window.file
        let localPath = layout.root + "/" + file.path
        if !file.locallyDeleted && !changedFiles.contains(file.id) && FileSystem.exists(localPath) {
            return try await firstDifference(key: window.key, objectSize: objectSize, localPath: localPath, file: file, &outcome)
        }
        let index = index
        let members = try await BlockingIO.run({ try index.members(ofFile: file.id) })
        for member in members {
            let end = member.position + Int64(member.length)
            guard end <= objectSize else {
                return (objectSize, "the object ends inside \(MemberCheck.describe(member))")
            }
            let bytes = try await store.getObject(key: window.key, range: member.position...(end - 1), maxBytes: member.length)
            outcome.bytesRead += Int64(bytes.count)
            let found = bytes.withUnsafeBytes { MemberCheck.firstProblem(in: $0, member: member, compression: file.compression) }
            if let found { return (member.position + Int64(found.offset), "\(MemberCheck.describe(member)): \(found.reason)") }
        }
        switch MemberCheck.trailer(after: members, size: objectSize, compression: file.compression) {
        case .whole: return nil
        case .wrong(let position, let reason): return (position, reason)
        case .read(let range):
            let tail = try await store.getObject(key: window.key, range: range.lowerBound...(range.upperBound - 1), maxBytes: range.count)
            outcome.bytesRead += Int64(tail.count)
            return tail.withUnsafeBytes { MemberCheck.trailerProblem(in: $0, members: members, compression: file.compression) }.map { (range.lowerBound, $0) }
        }
    }

    private func firstDifference(
        key: String, objectSize: Int64, localPath: String, file: WindowFile, _ outcome: inout Outcome
    ) async throws -> (position: Int64, reason: String)? {
        let common = min(objectSize, file.size)
        var position: Int64 = 0
        while position < common {
            let end = min(position + Self.chunkSize, common)
            let remote = try await store.getObject(key: key, range: position...(end - 1), maxBytes: Int(Self.chunkSize))
            outcome.bytesRead += Int64(remote.count)
            let (start, count) = (position, Int(end - position))
            let local = try await BlockingIO.run {
                var bytes = [UInt8](repeating: 0, count: count)
                let got = try bytes.withUnsafeMutableBytes { try SystemFile.openForReading(localPath).read(into: $0, at: start) }
                return Array(bytes[0..<got])
            }
            if let index = zip(remote, local).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                return (position + Int64(index), "the first byte that differs from \(file.path)")
            }
            guard remote.count == count, local.count == count else {
                return (position + Int64(min(remote.count, local.count)), "the same bytes as \(file.path) up to here, where one of them ends")
            }
            position = end
        }
        if objectSize < file.size { return (objectSize, "the same bytes as \(file.path) up to here, where the object ends") }
        if objectSize > file.size { return (file.size, "the same bytes as \(file.path) up to its end; the object goes on") }
        return nil
    }

    private func checkManifest(_ window: UploadedWindow, _ outcome: inout Outcome) async throws {
        let key = WindowManifest.key(forObject: window.key)
        let object = store.target.fullKeyDescription(key)
        let file = window.file
        let data: Data
        do {
            data = try await store.getObject(key: key, range: nil, maxBytes: 64 << 20)
        } catch let error as ObjectStoreError where error.code == .noSuchKey {
            let recorded = window.manifestETag.map { "the index records it uploaded (ETag \($0))" }
                ?? "the index has no record of it either: the next upload pass writes it"
            outcome.problems.append(VerifyProblem(.manifestMissing, key: key, object: object, position: nil, "missing; " + recorded))
            return
        }
        outcome.bytesRead += Int64(data.count)
        let index = index
        let expected = try await BlockingIO.run { try index.manifest(of: file) }
        let expectedBytes = try expected.encoded()
        guard data != expectedBytes else { return }
        let position = WindowManifest.firstDifference(data, expectedBytes)
        let found: WindowManifest
        do {
            found = try JSONDecoder().decode(WindowManifest.self, from: data)
        } catch {
            outcome.problems.append(VerifyProblem(
                .manifestChanged, key: key, object: object, position: position, "not a manifest Sediment can read: \(Self.describe(error))"))
            return
        }
        let differences = expected.differences(from: found)
        // Other bytes that decode to the same manifest (another encoder's spacing) say the same.
        guard !differences.isEmpty else { return }
        outcome.problems.append(VerifyProblem(
            .manifestChanged, key: key, object: object, position: position,
            "it does not describe \(file.path): " + differences.joined(separator: ", ")))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.keyNotFound(_, let context),
            DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
