import Foundation
import GRDB
import Logging
import SedimentObjectStore
import Testing
@testable import Sediment

/// A target is the bucket and prefix it names, not the spelling of its URI: scheme and
/// host case, a default endpoint written out, a trailing slash, the order of parameters.
@Suite("Upload target identity")
struct TargetIdentityTests {
    let scratch = TemporaryDirectory(label: "target-identity")

    func archive(_ name: String) throws -> Archive {
        let path = scratch.file(name)
        _ = try ArchiveWriter(at: path)
        return try Archive.openForUpdate(at: path, logger: Logger(label: "test"))
    }

    func record(_ uri: String, continuous: Bool = true) throws -> UploadTargetRecord {
        UploadTargetRecord(uri: uri, template: try KeyTemplate(KeyTemplate.defaultTemplate), continuous: continuous)
    }

    @Test("two spellings of one bucket are one target; another prefix, region, endpoint or bucket is another")
    func spellingsOfOneTarget() throws {
        let index = try archive("spellings").index
        let spellings = [
            [
                "s3://archive/kafka?region=us-east-1&endpoint=http://127.0.0.1:8333&path-style=true",
                "S3://archive/kafka/?path-style=true&endpoint=HTTP://127.0.0.1:8333/&region=us-east-1",
                "s3://archive//kafka//?endpoint=http://127.0.0.1:8333&region=us-east-1&path-style=1",
            ],
            [
                "cos://archive-1250000000/dumps?region=ap-guangzhou",
                "cos://archive-1250000000/dumps/?endpoint=https://cos.ap-guangzhou.myqcloud.com&region=ap-guangzhou",
                "COS://archive-1250000000/dumps?region=ap-guangzhou&endpoint=https://COS.ap-guangzhou.myqcloud.com:443",
            ],
            ["s3://archive?region=us-east-1", "s3://archive/?region=us-east-1&endpoint=https://s3.us-east-1.amazonaws.com"],
            ["file:///var/backup", "file:///var/backup/", "file:///var//backup", "FILE:///var/./backup"],
        ]
        var ids: [Int64] = []
        for group in spellings {
            let id = try index.registerTarget(try record(group[0]), at: 0)
            for spelling in group.dropFirst() {
                #expect(try index.registerTarget(try record(spelling), at: 0) == id, "\(spelling) is \(group[0])")
                #expect(try index.targetID(uri: spelling) == id, "\(spelling) is \(group[0])")
            }
            ids.append(id)
        }
        #expect(Set(ids).count == spellings.count, "each group is its own target")
        // Recorded in the canonical form, which status shows.
        #expect(try index.uploadTargets().map(\.uri).sorted() == [
            "cos://archive-1250000000/dumps?region=ap-guangzhou", "file:///var/backup", "s3://archive/kafka?endpoint=http://127.0.0.1:8333&path-style=true&region=us-east-1",
            "s3://archive?region=us-east-1",
        ])
        for other in [
            "s3://archive/other?region=us-east-1&endpoint=http://127.0.0.1:8333&path-style=true",
            "s3://archive/kafka?region=us-west-2&endpoint=http://127.0.0.1:8333&path-style=true",
            "s3://archive/kafka?region=us-east-1&endpoint=http://127.0.0.1:8334&path-style=true",
            "s3://archive/kafka?region=us-east-1&endpoint=http://127.0.0.1:8333",
            "file:///var/backup2",
        ] {
            #expect(!ids.contains(try index.registerTarget(try record(other), at: 0)), "\(other) is another target")
        }
    }

    @Test("rows recorded under two spellings before targets were matched by their canonical form become one, keeping what either confirmed")
    func existingSpellingsMerge() throws {
        let fixture = CompactionFixture(label: "target-merge")
        try fixture.append((0..<30).map { Message(offset: $0, timestamp: 1_764_000_000_000 + $0 * 600_000, value: [0x61]) })
        try fixture.compact(closeAll: true)
        let files = try fixture.files()
        #expect(files.count >= 2)
        let archive = try Archive.openForUpdate(at: fixture.path, logger: Logger(label: "test"))
        // As an earlier Sediment recorded them: the raw strings, two rows.
        let (first, second) = try archive.index.write { db -> (Int64, Int64) in
            for uri in ["file:///srv/bucket/", "file:///srv/bucket"] {
                try db.execute(
                    sql: "INSERT INTO upload_targets (uri, key_template, continuous, added_at) VALUES (?, ?, 1, 0)",
                    arguments: [uri, KeyTemplate.defaultTemplate])
            }
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM upload_targets ORDER BY id")
            return (ids[0], ids[1])
        }
        try archive.index.setUploadState(fileID: files[0].id, targetID: first, key: "a", .uploaded, etag: "e0", at: 1)
        try archive.index.setUploadState(fileID: files[1].id, targetID: first, key: "b", .failed, error: "boom", at: 1)
        try archive.index.setUploadState(fileID: files[1].id, targetID: second, key: "b", .uploaded, etag: "e1", at: 2)

        let id = try archive.index.registerTarget(try record("file:///srv/bucket"), at: 3)
        let rows = try archive.index.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM upload_targets")!,
             try Row.fetchAll(db, sql: "SELECT file_id, target_id, state FROM window_uploads ORDER BY file_id"))
        }
        #expect(rows.0 == 1, "one target row")
        #expect(rows.1.map { $0["target_id"] as Int64 } == [id, id])
        #expect(rows.1.map { $0["state"] as String } == ["uploaded", "uploaded"], "what either spelling confirmed stays confirmed")
    }

    @Test("a reupload with another key template leaves the continuous target's template as it was; a reupload-only target takes the last one")
    func reuploadKeepsTemplate() throws {
        let archive = try archive("templates")
        let continuous = "file:///srv/continuous"
        let id = try archive.index.registerTarget(try record(continuous), at: 0)
        var reupload = try record(continuous, continuous: false)
        reupload.template = try KeyTemplate("{topic}/{instance}/{timestamp}")
        #expect(try archive.index.registerTarget(reupload, at: 1) == id)
        var templates = Dictionary(uniqueKeysWithValues: try archive.uploadStatistics().map { ($0.target, $0.keyTemplate) })
        #expect(templates[continuous] == KeyTemplate.defaultTemplate, "\(templates)")
        #expect(try archive.uploadStatistics().first?.continuous == true)

        let elsewhere = "file:///srv/reuploads"
        _ = try archive.index.registerTarget(try record(elsewhere, continuous: false), at: 2)
        _ = try archive.index.registerTarget(reupload.with(uri: elsewhere), at: 3)
        templates = Dictionary(uniqueKeysWithValues: try archive.uploadStatistics().map { ($0.target, $0.keyTemplate) })
        #expect(templates[elsewhere] == "{topic}/{instance}/{timestamp}", "\(templates)")
    }
}

extension UploadTargetRecord {
    func with(uri: String) -> UploadTargetRecord {
        var record = self
        record.uri = uri
        return record
    }
}
