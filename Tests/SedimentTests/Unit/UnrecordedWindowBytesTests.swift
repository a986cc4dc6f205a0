import Foundation
import Testing
@testable import Sediment

@Suite("Window bytes not yet in the index")
struct UnrecordedWindowBytesTests {
    /// A suite's property lives as long as its test: a directory made inline and used by
    /// path only would be removed at once.
    let scratch = TemporaryDirectory(label: "unrecorded")

    @Test("a window being written counts its members' bytes in its archive's count until its writer goes")
    func countedWhileWritten() throws {
        let root = scratch.path
        let window = WindowSchedule.Window(start: 1_699_999_200_000, end: 1_700_003_800_000, settings: WindowSettings())
        // Incompressible values, about 200 lines a 1 MiB member: more members than the
        // compressor keeps in flight (two a core), so that some are placed before `finish`.
        let count = (2 * ProcessInfo.processInfo.activeProcessorCount + 4) * 250
        var factory = MessageFactory(seed: 11)
        let unrecorded = UnrecordedWindowBytes()
        let writer = try WindowFileWriter(
            layout: ArchiveLayout(root: root), instance: "local", topic: "orders", window: window, recordedParts: [:],
            coveredEnd: [0: Int64(count)], writtenAt: 0, unrecordedBytes: unrecorded)
        try withExtendedLifetime(writer) {
            for offset in 0..<count {
                let message = Message(partition: 0, offset: Int64(offset), timestamp: window.start + Int64(offset), value: factory.bytes(4000))
                try writer.append(Record(message: message))
            }
            #expect(unrecorded.value > 1 << 20)
            let written = try writer.finish()
            #expect(unrecorded.value == written.reduce(0) { $0 + $1.size })
        }
    }

    @Test("once its writer is gone, a window counts nothing more")
    func releasedWithTheWriter() throws {
        let root = scratch.path
        let window = WindowSchedule.Window(start: 1_699_999_200_000, end: 1_700_003_800_000, settings: WindowSettings())
        let unrecorded = UnrecordedWindowBytes()
        do {
            let writer = try WindowFileWriter(
                layout: ArchiveLayout(root: root), instance: "local", topic: "orders", window: window, recordedParts: [:],
                coveredEnd: [0: 1], writtenAt: 0, unrecordedBytes: unrecorded)
            try withExtendedLifetime(writer) {
                try writer.append(Record(message: Message(partition: 0, offset: 0, timestamp: window.start, value: Array("one".utf8))))
                #expect(try writer.finish().count == 1)
                #expect(unrecorded.value > 0)
            }
        }
        #expect(unrecorded.value == 0)
    }
}
