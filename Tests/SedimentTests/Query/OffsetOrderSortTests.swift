import Foundation
import Testing
@testable import Sediment

@Suite("Offset order sort")
struct OffsetOrderSortTests {
    let scratch = TemporaryDirectory(label: "offset-sort")

    /// Every shape a message can take, shuffled out of (partition, offset) order.
    static func shuffled(count: Int, seed: UInt64) -> [Message] {
        var factory = MessageFactory(seed: seed)
        var random = SplitMix64(seed: seed)
        var messages = (0..<count).map { i in factory.message(partition: Int32(i % 4), offset: Int64(i / 4), timestamp: Int64(i)) }
        messages.shuffle(using: &random)
        return messages
    }

    func sorted(_ messages: [Message], memory: Int, maxRuns: Int = 64) throws -> (result: [Message], runs: Int) {
        let sort = OffsetOrderSort(memory: memory, directory: scratch.path, maxRuns: maxRuns)
        for message in messages { try sort.add(message) }
        var result: [Message] = []
        while let message = try sort.next() { result.append(message) }
        return (result, sort.runsWritten)
    }

    @Test("in memory, through spilled runs, and through runs merged when too many are open: the same order, every byte kept")
    func spills() throws {
        let messages = Self.shuffled(count: 5000, seed: 8)
        let expected = messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        let inMemory = try sorted(messages, memory: 64 << 20)
        #expect(inMemory.runs == 0)
        expectSame(inMemory.result, expected)
        let spilled = try sorted(messages, memory: 64 << 10)
        #expect(spilled.runs > 4 && spilled.runs < 64, "\(spilled.runs) runs")
        expectSame(spilled.result, expected)
        // 8 runs at most: the ninth spill merges the eight into one first.
        let cascaded = try sorted(messages, memory: 16 << 10, maxRuns: 8)
        let spillsAlone = try sorted(messages, memory: 16 << 10).runs
        #expect(spillsAlone > 16 && cascaded.runs > spillsAlone, "\(cascaded.runs) files for \(spillsAlone) spills")
        expectSame(cascaded.result, expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "the runs' files have no names")
    }

    @Test("a message larger than a read chunk comes back whole")
    func largeMessage() throws {
        var messages = Self.shuffled(count: 200, seed: 9)
        messages[17].value = (0..<(3 * SpilledRun.chunkSize)).map { UInt8(truncatingIfNeeded: $0 * 31) }
        let result = try sorted(messages, memory: 8 << 10)
        #expect(result.runs > 2)
        expectSame(result.result, messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) })
    }
}
