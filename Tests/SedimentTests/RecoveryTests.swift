import Foundation
import GRDB
import Testing
@testable import Sediment

@Suite("Recovery at open")
struct RecoveryTests {
    let directory = TemporaryDirectory(label: "recovery")
    let key = PartitionKey(instance: "local", topic: "t", partition: 0)

    func makeArchive(at path: String, count: Int) throws -> [Message] {
        var factory = MessageFactory(seed: 9)
        let messages = (0..<Int64(count)).map { factory.message(partition: 0, offset: $0, timestamp: 1_000_000 + $0) }
        var options = ArchiveOptions()
        options.blockBytes = 2048
        let writer = try ArchiveWriter(at: path, options: options)
        _ = try writer.append(Array(messages.dropLast(20)), instance: "local", topic: "t")
        _ = try writer.append(Array(messages.suffix(20)), instance: "local", topic: "t")
        return messages
    }

    func segmentPath(_ root: String) -> String { root + "/segments/local/t/0/00000000000000000000.seg" }

    func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    }

    func truncate(_ path: String, to size: Int) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    @Test("cutting the last segment at every byte of its final record keeps exactly the complete records")
    func truncatedFinalRecord() throws {
        let original = directory.file("original")
        let messages = try makeArchive(at: original, count: 300)
        var last = [UInt8]()
        let lastSize = RecordFormat.append(messages.last!, to: &last)
        let fullSize = try fileSize(segmentPath(original))
        let recordStart = fullSize - lastSize
        #expect(lastSize > 20)
        for cut in recordStart..<fullSize {
            let copy = directory.file("cut-\(cut)")
            try FileManager.default.copyItem(atPath: original, toPath: copy)
            try truncate(segmentPath(copy), to: cut)
            do {
                let writer = try ArchiveWriter(at: copy)
                #expect(writer.positions[key] == 299, "cut at \(cut)")
                expectSame(try writer.archive.messages(of: key, offsets: 0...Int64.max).all(), Array(messages.prefix(299)))
                #expect(try fileSize(segmentPath(copy)) == recordStart, "cut at \(cut)")
                // The source can fill the gap again, exactly once.
                let again = try writer.append(Array(messages.suffix(5)), instance: "local", topic: "t")
                #expect(again.count == 1 && again.skipped == 4)
            }
            let reopened = try Archive.open(at: copy)
            expectSame(try reopened.messages(of: key, offsets: 0...Int64.max).all(), messages)
            expectSame(try reopened.messages(instance: "local", topic: "t", in: 0..<Int64.max).all(), messages)
            try FileManager.default.removeItem(atPath: copy)
        }
    }

    @Test("a cut deep inside the last segment keeps every record before it")
    func truncatedAcrossBlocks() throws {
        let path = directory.file("deep")
        let messages = try makeArchive(at: path, count: 300)
        let size = try fileSize(segmentPath(path))
        try truncate(segmentPath(path), to: size / 3)
        let writer = try ArchiveWriter(at: path)
        let kept = try writer.archive.messages(of: key, offsets: 0...Int64.max).all()
        #expect(kept.count > 50 && kept.count < 150)
        expectSame(kept, Array(messages.prefix(kept.count)))
        #expect(writer.positions[key] == Int64(kept.count))
        #expect(try writer.archive.statistics().first?.messages == Int64(kept.count))
    }

    @Test("bytes past the committed end (a torn tail) are cut, and uncommitted segment files removed")
    func tornTail() throws {
        let path = directory.file("torn")
        let messages = try makeArchive(at: path, count: 100)
        let size = try fileSize(segmentPath(path))
        let handle = try #require(FileHandle(forWritingAtPath: segmentPath(path)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]))
        try handle.close()
        let stray = path + "/segments/local/t/0/00000000000000000100.seg"
        FileManager.default.createFile(atPath: stray, contents: Data(repeating: 7, count: 100))
        let writer = try ArchiveWriter(at: path)
        #expect(try fileSize(segmentPath(path)) == size)
        #expect(!FileManager.default.fileExists(atPath: stray))
        expectSame(try writer.archive.messages(of: key, offsets: 0...Int64.max).all(), messages)
        #expect(writer.positions[key] == 100)
    }

    @Test("a record damaged inside the committed data is reported with its file and byte, not skipped")
    func corruptRecordIsAnError() throws {
        let path = directory.file("corrupt")
        _ = try makeArchive(at: path, count: 50)
        let handle = try #require(FileHandle(forUpdatingAtPath: segmentPath(path)))
        try handle.seek(toOffset: 30)
        try handle.write(contentsOf: Data([0xFF, 0xFF]))
        try handle.close()
        let archive = try Archive.open(at: path)
        #expect {
            _ = try archive.messages(of: key, offsets: 0...Int64.max).all()
        } throws: { error in
            let error = error as? SedimentError
            return error?.code == .corruptSegment && error!.message.contains("00000000000000000000.seg at byte 0")
        }
    }

    @Test("a writer's index commits are fsynced (synchronous FULL) unless --fsync never")
    func durableCommits() throws {
        for (policy, expected) in [(ArchiveOptions.FsyncPolicy.batch, 2), (.never, 1)] {
            var options = ArchiveOptions()
            options.fsync = policy
            let writer = try ArchiveWriter(at: directory.file("sync-\(policy)"), options: options)
            let level = try writer.archive.index.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(level == expected, "fsync \(policy)")
        }
    }
}
