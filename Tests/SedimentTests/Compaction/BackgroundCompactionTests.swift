import Foundation
import Logging
import Testing
@testable import Sediment

@Suite("Background compaction")
struct BackgroundCompactionTests {
    @Test("a topic that fails to compact fails finish, even when a topic after it compacts in the same pass")
    func errorOfAnEarlierTopicIsKept() throws {
        let directory = TemporaryDirectory(label: "background-compaction")
        let path = directory.path + "/archive"
        let writer = try ArchiveWriter(at: path, options: ArchiveOptions(), now: { 1_764_000_000_000 })
        // A value the text format cannot hold stops that topic's compaction.
        _ = try writer.append([Message(offset: 0, timestamp: 1_764_000_000_000, value: [0xFF, 0xFE])], instance: "local", topic: "broken")
        _ = try writer.append([Message(offset: 0, timestamp: 1_764_000_000_000, value: Array("fine".utf8))], instance: "local", topic: "fine")
        // Long after both windows closed.
        let compactor = try Compactor(writer: writer, now: { 1_764_100_000_000 })
        var text = WindowSettingsChange()
        text.format = .text
        try compactor.configure(instance: "local", topic: "broken", text)
        try compactor.configure(instance: "local", topic: "fine", text)
        let compaction = BackgroundCompaction(
            compactor: compactor, topics: [(instance: "local", topic: "broken"), (instance: "local", topic: "fine")],
            interval: .seconds(3600), logger: Logger(label: "test"))
        compaction.start()
        let error = #expect(throws: SedimentError.self) { try compaction.finish() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("broken"), "\(String(describing: error))")
        // The topic after it was compacted all the same.
        #expect(try Archive.open(at: path).windowFiles(instance: "local", topic: "fine").count == 1)
    }

    @Test("passes start an interval after the last one's start, at once after a longer pass, and an interval after a failed one's end")
    func passSchedule() {
        let start = Date(timeIntervalSince1970: 1_000)
        let next = { (ran: Double, succeeded: Bool) in
            BackgroundCompaction.nextPass(started: start, ended: start + ran, succeeded: succeeded, interval: 30)
                .timeIntervalSince(start)
        }
        #expect(next(2, true) == 30)
        // Already due when a pass took longer than the interval: the next starts at once.
        #expect(next(45, true) == 30)
        #expect(next(45, false) == 75 && next(2, false) == 32)
    }
}
