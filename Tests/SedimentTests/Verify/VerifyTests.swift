import Foundation
import GRDB
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// `sediment verify` run as a process on real archives (and a real SeaweedFS bucket),
/// damaged the way disks and people damage them: each problem must come out as one line
/// naming the file or key and the byte, and the exit status must say so.
@Suite("sediment verify")
struct VerifyTests {
    /// A frame's size for the fixtures' messages: no key, no headers, `value` bytes.
    static func frameSize(value: Int) -> Int64 { Int64(RecordFormat.frameHeaderSize + RecordFormat.fixedBodySize + value) }

    @Test("a clean archive exits 0 with a summary; without --target it says the bucket was not checked; --json ends with the summary")
    func cleanArchive() async throws {
        let (fixture, files, bucket, _) = try await UploadFixture.uploaded(
            label: "verify-clean", windows: 3, perWindow: 400, valueBytes: 300, bucket: "verify-clean")
        let target = fixture.targetURI(bucket: bucket)
        let segments = try segmentFiles(fixture.archive)
        try #require(segments.count == 1, "400 KB in 1 MiB segments")

        let checked = try verify(fixture, ["--target", target])
        #expect(checked.status == 0 && !checked.signaled, "\(checked.summary)")
        let lines = checked.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "only the summary: \(lines)")
        let summary = lines.last ?? ""
        #expect(summary.hasPrefix("verified 1 segment ("), "\(summary)")
        #expect(summary.contains(", 1200 records), 3 window files ("), "\(summary)")
        #expect(summary.hasSuffix(", 3 objects and 3 manifests in \(target): no problems"), "\(summary)")

        let local = try verify(fixture, [])
        #expect(local.status == 0, "\(local.summary)")
        // The archive names its targets in their canonical spelling.
        #expect(local.stdoutText.hasSuffix(": no problems; bucket not checked (give --target \(ObjectTarget.canonicalURI(target)))\n"), "\(local.stdoutText)")

        let json = try verify(fixture, ["--target", target, "--json"])
        #expect(json.status == 0, "\(json.summary)")
        let objects = try jsonLines(json.stdout)
        #expect(objects.count == 1 && objects.last?["type"] as? String == "summary", "\(objects)")
        let last = objects.last ?? [:]
        #expect(number(last["problems"]) == 0 && number(last["gaps"]) == 0 && number(last["records"]) == 1200)
        #expect(number(last["segments"]) == Int64(segments.count))
        #expect(number(last["segmentBytes"]) == segments.reduce(0) { $0 + $1.size })
        #expect(number(last["windowFiles"]) == 3 && number(last["windowBytes"]) == files.reduce(0) { $0 + $1.size })
        #expect(number(last["objects"]) == 3 && number(last["manifests"]) == 3 && last["target"] as? String == target)
    }

    @Test("a flipped byte in a segment is a CRC mismatch at the record's byte, in each damaged segment; a torn tail is not a problem")
    func flippedSegmentByte() throws {
        let fixture = CompactionFixture(label: "verify-segment")
        let valueBytes = 700
        let random = TestFiles.bytes(size: 3000 * valueBytes, seed: 11)
        try fixture.append((0..<3000).map { offset in
            Message(
                offset: Int64(offset), timestamp: windowBase + Int64(offset),
                value: [UInt8](random[offset * valueBytes..<(offset + 1) * valueBytes]))
        })
        let segments = try segmentFiles(fixture)
        try #require(segments.count == 3, "the fixture rolls 1 MiB segments: \(segments.map(\.path))")
        let frame = Self.frameSize(value: valueBytes)
        // Record `offset` of a segment starts at (offset - base) frames: every frame is the same size.
        func recordStart(_ offset: Int64, in segment: SegmentFile) throws -> Int64 {
            let position = (offset - segment.base) * frame
            let stored = try readBytes(segment.fullPath, at: position + 8, count: 8).withUnsafeBytes { $0.loadLittleEndian(Int64.self, at: 0) }
            try #require(stored == offset, "the test's arithmetic: offset \(offset) at byte \(position) of \(segment.path)")
            return position
        }
        let first = try recordStart(5, in: segments[0])
        let second = try recordStart(segments[1].base + 7, in: segments[1])
        try flipByte(at: first + 40, of: segments[0].fullPath)
        try flipByte(at: second + frame - 1, of: segments[1].fullPath)
        // Bytes past the committed size: a batch that never committed, which recovery cuts.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segments[2].fullPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0xEE, count: 100))
        try handle.close()

        let result = try verify(fixture, [])
        #expect(result.status == ExitStatus.data && !result.signaled, "\(result.summary)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(Array(lines.dropLast()) == [
            "\(segments[0].path): byte \(first): CRC mismatch (record at offset 5)",
            "\(segments[1].path): byte \(second): CRC mismatch (record at offset \(segments[1].base + 7))",
        ], "\(lines)")
        #expect(lines.last?.hasSuffix(": 2 problems; bucket not checked") == true, "\(lines.last ?? "")")

        let json = try jsonLines(try verify(fixture, ["--json"]).stdout)
        let problems = json.filter { $0["type"] as? String == "problem" }
        #expect(problems.map { $0["kind"] as? String } == ["segment-record", "segment-record"])
        #expect(problems.map { $0["file"] as? String } == [segments[0].path, segments[1].path])
        #expect(problems.map { number($0["position"]) } == [first, second])
        // The damaged segments are read up to the bad record; the last one whole.
        let records = Int64(5 + 7) + (3000 - segments[2].base)
        #expect(number(json.last?["records"]) == records, "\(json.last ?? [:])")
    }

    @Test("a flipped byte in a window file names the member that no longer inflates; a header byte names itself; short and missing files too")
    func flippedWindowFileByte() async throws {
        let fixture = try await UploadFixture(label: "verify-window")
        try fixture.fill(windows: 4, perWindow: 3000, valueBytes: 600)
        let files = try fixture.archive.files()
        try #require(files.count == 4)
        let index = try Archive.open(at: fixture.path).index
        let members = try files.map { try index.members(ofFile: $0.id) }
        try #require(members[0].count >= 3 && members[1].count >= 3, "several members per file: \(members.map(\.count))")
        func full(_ file: WindowFile) -> String { fixture.path + "/" + file.path }

        let deflated = members[0][1]
        try flipByte(at: deflated.position + 200, of: full(files[0]))
        // mtime, which neither the deflate stream nor the gzip trailer covers.
        let header = members[1][2]
        try flipByte(at: header.position + 4, of: full(files[1]))
        try FileManager.default.removeItem(atPath: full(files[3]))
        let cut = files[2].size - 1000
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: full(files[2])))
        try handle.truncate(atOffset: UInt64(cut))
        try handle.close()

        let result = try verify(fixture.archive, [])
        #expect(result.status == ExitStatus.data, "\(result.summary)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count == 5, "\(lines)")
        let range = { (m: MemberRow) in "bytes \(m.position)..<\(m.position + Int64(m.length))" }
        #expect(lines[0].hasPrefix("\(files[0].path): byte \(deflated.position): SHA-256 "), "\(lines[0])")
        #expect(lines[0].contains(" is not the \(files[0].sha256) the index recorded; member 1 (\(range(deflated))): it does not inflate: "), "\(lines[0])")
        #expect(lines[1].hasPrefix("\(files[1].path): byte \(header.position + 4): SHA-256 "), "\(lines[1])")
        #expect(lines[1].hasSuffix("; member 2 (\(range(header))): gzip header byte 4 is 90, Sediment writes 0"), "\(lines[1])")
        #expect(lines[2] == "\(files[2].path): byte \(cut): the file is \(cut) bytes, the index recorded \(files[2].size)")
        #expect(lines[3] == "\(files[3].path): missing; the index records it (\(files[3].size) bytes, 3000 messages) and no retention deleted it")
        #expect(lines[4].hasSuffix(": 4 problems; bucket not checked"), "\(lines[4])")
    }

    @Test("a missing object, a changed object and a changed manifest in the bucket, each named with its key and byte")
    func bucketDamage() async throws {
        let (fixture, files, bucket, _) = try await UploadFixture.uploaded(
            label: "verify-bucket", windows: 3, perWindow: 400, valueBytes: 300, bucket: "verify-bucket")
        let keys = files.map(UploadFixture.defaultKey)
        let etags = try fixture.uploadRows().map(\.etag)
        let (changedAt, manifestKey) = (Int64(1000), WindowManifest.key(forObject: keys[2]))
        let (changedETag, manifestAt) = try await fixture.server.withStore(bucket: bucket) { store in
            try await store.deleteObject(key: keys[0])
            // Another writer's bytes under the key: one byte differs, and no sha256 metadata.
            var bytes = try await store.getObject(key: keys[1], range: nil, maxBytes: 64 << 20)
            bytes[Int(changedAt)] ^= 0x01
            let etag = try await store.putObject(key: keys[1], payload: ObjectPayload(bytes: bytes))
            let original = try await store.getObject(key: manifestKey)
            var manifest = try JSONDecoder().decode(WindowManifest.self, from: original)
            manifest.count += 1
            let edited = try manifest.encoded()
            _ = try await store.putObject(key: manifestKey, payload: ObjectPayload(bytes: edited))
            let differs = zip(original, edited).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            return (etag, differs ?? -1)
        }

        let result = try verify(fixture, ["--target", fixture.targetURI(bucket: bucket)])
        #expect(result.status == ExitStatus.data, "\(result.summary)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(Array(lines.dropLast()) == [
            "s3://\(bucket)/\(keys[0]): missing; the index records it uploaded from \(files[0].path) (\(files[0].size) bytes, ETag \(etags[0] ?? ""))",
            "s3://\(bucket)/\(keys[1]): byte \(changedAt): ETag \(changedETag), uploaded \(etags[1] ?? ""); "
                + "no sha256 metadata (uploaded with \(files[1].sha256)); the first byte that differs from \(files[1].path)",
            "s3://\(bucket)/\(manifestKey): byte \(manifestAt): it does not describe \(files[2].path): count 401 (expected 400)",
        ], "\(lines)")
        #expect(lines.last?.hasSuffix(", 3 objects and 3 manifests in \(fixture.targetURI(bucket: bucket)): 3 problems") == true, "\(lines.last ?? "")")

        let problems = try jsonLines(try verify(fixture, ["--target", fixture.targetURI(bucket: bucket), "--json"]).stdout)
            .filter { $0["type"] as? String == "problem" }
        #expect(problems.map { $0["kind"] as? String } == ["object-missing", "object-changed", "manifest-changed"])
        #expect(problems.map { $0["key"] as? String } == [keys[0], keys[1], manifestKey])
        #expect(problems.map { number($0["position"]) } == [nil, changedAt, Int64(manifestAt)])
    }

    @Test("an object whose local file is gone is located by its members; an unknown target is an error, not a clean run")
    func changedObjectWithoutLocalFile() async throws {
        let (fixture, files, bucket, _) = try await UploadFixture.uploaded(
            label: "verify-remote-only", windows: 1, perWindow: 3000, valueBytes: 600, bucket: "verify-remote-only")
        let file = files[0]
        let key = UploadFixture.defaultKey(file)
        let member = try Archive.open(at: fixture.path).index.members(ofFile: file.id)[1]
        // As local retention leaves it: recorded as deleted, then unlinked.
        try Archive.openForUpdate(at: fixture.path).index.markWindowFileDeleted(id: file.id, at: 1)
        try FileManager.default.removeItem(atPath: fixture.path + "/" + file.path)
        try await fixture.server.withStore(bucket: bucket) { store in
            var bytes = try await store.getObject(key: key, range: nil, maxBytes: 64 << 20)
            bytes[Int(member.position) + 300] ^= 0x01
            _ = try await store.putObject(key: key, payload: ObjectPayload(bytes: bytes), metadata: ["sha256": file.sha256])
        }

        let result = try verify(fixture, ["--target", fixture.targetURI(bucket: bucket)])
        #expect(result.status == ExitStatus.data, "\(result.summary)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(lines)")
        #expect(lines[0].hasPrefix("s3://\(bucket)/\(key): byte \(member.position): ETag "), "\(lines[0])")
        #expect(lines[0].contains("; member 1 (bytes \(member.position)..<\(member.position + Int64(member.length))): it does not inflate: "), "\(lines[0])")
        #expect(lines[1].contains(" window files (0 B) (1 more deleted locally by retention), 1 object and 1 manifest in "), "\(lines[1])")

        let other = try await fixture.server.makeBucket("verify-unknown")
        let unknown = try verify(fixture, ["--target", fixture.targetURI(bucket: other)])
        #expect(unknown.status == ExitStatus.data && unknown.stdout.isEmpty, "\(unknown.summary)")
        #expect(unknown.stderr.contains("the archive has uploaded nothing to \(fixture.targetURI(bucket: other)): it records \(ObjectTarget.canonicalURI(fixture.targetURI(bucket: bucket)))"), "\(unknown.stderr)")
    }

    @Test("--deep finds an object changed in place behind the store's back, which size, ETag and metadata do not show")
    func deepFindsSilentChange() async throws {
        let fixture = try await UploadFixture(label: "verify-deep")
        try fixture.fill(windows: 2, perWindow: 200, valueBytes: 300)
        let files = try fixture.archive.files()
        let directory = fixture.scratch.file("bucket")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = "file://" + directory
        _ = try CLIProcess.succeed(["upload", "--archive", fixture.path, "--target", target], scratch: fixture.scratch)
        let key = UploadFixture.defaultKey(files[1])
        try flipByte(at: 777, of: directory + "/" + key)

        let shallow = try verify(fixture, ["--target", target])
        #expect(shallow.status == 0, "size, ETag and metadata still match: \(shallow.summary) \(shallow.stdoutText)")
        let deep = try verify(fixture, ["--target", target, "--deep"])
        #expect(deep.status == ExitStatus.data, "\(deep.summary)")
        let lines = deep.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(lines)")
        #expect(lines[0].hasPrefix("file://\(directory)/\(key): byte 777: its bytes hash to SHA-256 "), "\(lines[0])")
        #expect(lines[0].hasSuffix(", uploaded \(files[1].sha256); the first byte that differs from \(files[1].path)"), "\(lines[0])")
        #expect(lines[1].contains("downloaded and hashed): 1 problem"), "\(lines[1])")
    }

    @Test("offset gaps are listed as gaps, with their reason, and do not fail the run; index rows that contradict the bytes, and bytes that are gone, do")
    func gapsAndIndexRows() throws {
        let fixture = CompactionFixture(label: "verify-gaps")
        let offsets: [Int64] = Array(0...9) + Array(15...19) + [30]
        try fixture.append(offsets.map { Message(offset: $0, timestamp: windowBase + $0, value: Array("value \($0 % 10)".utf8)) })
        // A compacted partition: every other offset gone, more gaps than the text output lists.
        try fixture.append(stride(from: Int64(0), through: 24, by: 2).map {
            Message(partition: 1, offset: $0, timestamp: windowBase + $0, value: Array("value \($0 % 10)".utf8))
        })
        let frame = Self.frameSize(value: 7)
        let segment = "segments/local/orders/0/00000000000000000000.seg"
        let index = try Archive.openForUpdate(at: fixture.path).index
        // A transaction's marker after the last record, and a segment retention deleted.
        try index.write { db in
            try db.execute(sql: "UPDATE partitions SET next_offset = 35 WHERE partition = 0")
            try db.execute(sql: """
                INSERT INTO deleted_segments (instance, topic, partition, base_offset, first_offset, last_offset,
                    min_timestamp, max_timestamp, deleted_at) VALUES ('local', 'orders', 0, 20, 20, 29, 0, 0, 0)
                """)
        }

        let clean = try verify(fixture, [])
        #expect(clean.status == 0, "\(clean.summary)")
        let lines = clean.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines == [
            "gap: local/orders/0: offsets 10...14 (5) absent at byte \(10 * frame) of \(segment): never delivered by the source (a compacted topic, transaction markers)",
            "gap: local/orders/0: offsets 20...29 (10) absent at byte \(15 * frame) of \(segment): held by 00000000000000000020.seg, which retention deleted",
            "gap: local/orders/0: offsets 31...34 (4) absent at byte \(16 * frame) of \(segment): never delivered by the source (a compacted topic, transaction markers)",
        ] + (1...10).map {
            "gap: local/orders/1: offset \(2 * $0 - 1) absent at byte \(Int64($0) * frame) of segments/local/orders/1/00000000000000000000.seg: "
                + "never delivered by the source (a compacted topic, transaction markers)"
        } + [
            "gap: local/orders/1: 2 more gaps (--json lists each)",
            "verified 2 segments (1.2 KiB, 29 records), 0 window files (0 B): no problems; 15 offset gaps (31 offsets absent, not a problem); bucket not checked",
        ], "\(lines)")
        let gaps = try jsonLines(try verify(fixture, ["--json"]).stdout).filter { $0["type"] as? String == "gap" }
        #expect(gaps.count == 15)
        let first = gaps.filter { number($0["partition"]) == 0 }
        #expect(first.map { number($0["firstOffset"]) } == [10, 20, 31] && first.map { $0["reason"] as? String } == ["source", "retention", "source"])

        try index.write { db in try db.execute(sql: "UPDATE blocks SET record_count = record_count + 1") }
        let damaged = try verify(fixture, [])
        #expect(damaged.status == ExitStatus.data, "\(damaged.summary)")
        let problem = "\(segment): byte 0: the index's block says 17 records, offsets 0...30, timestamps \(windowBase)...\(windowBase + 30); "
            + "its bytes hold 16 records, offsets 0...30, timestamps \(windowBase)...\(windowBase + 30)"
        #expect(damaged.stdoutText.split(separator: "\n").map(String.init).contains(problem), "\(damaged.stdoutText)")

        try index.write { db in try db.execute(sql: "UPDATE blocks SET record_count = record_count - 1") }
        try FileManager.default.removeItem(atPath: fixture.path + "/" + segment)
        let other = "segments/local/orders/1/00000000000000000000.seg"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.path + "/" + other))
        try handle.truncate(atOffset: 100)
        try handle.close()
        let gone = try verify(fixture, [])
        #expect(gone.status == ExitStatus.data, "\(gone.summary)")
        let goneLines = gone.stdoutText.split(separator: "\n").map(String.init)
        #expect(goneLines.first == "\(segment): missing; the index lists it with \(16 * frame) committed bytes, offsets 0...30", "\(goneLines)")
        #expect(goneLines.contains("\(other): byte 100: the file ends at byte 100, but \(13 * frame) bytes were committed: the rest is gone"), "\(goneLines)")
        // Offsets in bytes that are gone are not gaps: only those read, and the one past the index's end.
        #expect(goneLines.last?.hasSuffix(": 2 problems; 2 offset gaps (5 offsets absent, not a problem); bucket not checked") == true, "\(goneLines)")
    }
}

/// A segment file of an archive: its path relative to the archive, and its base offset.
struct SegmentFile {
    var path: String
    var fullPath: String
    var base: Int64
    var size: Int64
}

/// Partition 0's segment files, in offset order.
private func segmentFiles(_ fixture: CompactionFixture) throws -> [SegmentFile] {
    let directory = "segments/local/\(fixture.topic)/0"
    return try FileManager.default.contentsOfDirectory(atPath: fixture.path + "/" + directory).sorted().compactMap { name in
        guard let base = ArchiveLayout.baseOffset(fromSegmentFileName: name) else { return nil }
        let full = fixture.path + "/" + directory + "/" + name
        let size = (try FileManager.default.attributesOfItem(atPath: full)[.size] as? NSNumber)?.int64Value ?? -1
        return SegmentFile(path: directory + "/" + name, fullPath: full, base: base, size: size)
    }
}

private func segmentFiles(_ fixture: UploadFixture) throws -> [SegmentFile] { try segmentFiles(fixture.archive) }

private func verify(_ fixture: CompactionFixture, _ arguments: [String]) throws -> CLIProcess.Result {
    try CLIProcess.run(["verify", "--archive", fixture.path] + arguments, scratch: fixture.directory, environment: UploadFixture.credentials())
}

private func verify(_ fixture: UploadFixture, _ arguments: [String]) throws -> CLIProcess.Result {
    try CLIProcess.run(["verify", "--archive", fixture.path] + arguments, scratch: fixture.scratch, environment: UploadFixture.credentials())
}

private func readBytes(_ path: String, at position: Int64, count: Int) throws -> [UInt8] {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(position))
    return [UInt8](try handle.read(upToCount: count) ?? Data())
}

/// A JSON number as Foundation's parser gives it.
private func number(_ value: Any?) -> Int64? {
    switch value {
    case let value as Int: Int64(value)
    case let value as Int64: value
    case let value as NSNumber: value.int64Value
    default: nil
    }
}

/// Each line of `--json` output as a JSON object; a line that is not one fails the test.
private func jsonLines(_ data: Data) throws -> [[String: Any]] {
    try data.split(separator: 0x0A).map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], "\(String(decoding: line, as: UTF8.self))")
    }
}
