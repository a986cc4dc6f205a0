import Foundation
import Testing
@testable import Sediment

@Suite("Window bytes not yet in the index")
struct UnrecordedWindowBytesTests {
    /// Random (incompressible) values, so that the bytes on disk grow with every member.
    static func message(_ offset: Int64) -> Message {
        var generator = SystemRandomNumberGenerator()
        let value = (0..<4000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Message(partition: 0, offset: offset, timestamp: 1_700_000_000_000 + offset, value: value)
    }

    @Test("a window being written counts its members' bytes for its archive (and no other) until its writer goes")
    func countedWhileWritten() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sediment-unrecorded-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let window = WindowSchedule.Window(start: 1_699_999_200_000, end: 1_700_003_800_000, settings: WindowSettings())
        var written: [WindowFileRecord] = []
        do {
            let writer = try WindowFileWriter(
                layout: ArchiveLayout(root: root), instance: "local", topic: "orders", window: window, recordedParts: [:],
                coveredEnd: [0: 2000], writtenAt: 0)
            for offset in 0..<2000 { try writer.append(Record(message: Self.message(Int64(offset)))) }
            // 8 MB of base64 lines make several 1 MiB members, some of them placed by now.
            let during = UnrecordedWindowBytes.of(archive: root)
            #expect(during > 1 << 20)
            #expect(UnrecordedWindowBytes.of(archive: root + "-other") == 0)
            written = try writer.finish()
            #expect(UnrecordedWindowBytes.of(archive: root) == written.reduce(0) { $0 + $1.size })
        }
        #expect(UnrecordedWindowBytes.of(archive: root) == 0)
    }
}
