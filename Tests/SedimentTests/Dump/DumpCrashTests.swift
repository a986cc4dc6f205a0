import Foundation
import Testing
@testable import Sediment

@Suite("sediment dump under SIGKILL")
struct DumpCrashTests {
    let scratch = TemporaryDirectory(label: "dump-crash")

    @Test("killed at random moments a dozen times while messages keep coming, the archive ends equal to what was produced")
    func killAndRestart() throws {
        let fixture = try KafkaFixture(topics: ["events": 3])
        try fixture.produce(topic: "events", partitions: 3, count: 30_000)
        let archive = scratch.file("archive")
        var random = SplitMix64(seed: 0xD0D0)
        let arguments = ["dump", "--brokers", fixture.bootstrap, "--topic", "events", "--archive", archive,
                         "--batch-bytes", "32768", "--linger", "10ms"]
        var kills = 0
        var positions: [Int64] = []
        for round in 0..<12 {
            let process = try CLIProcess(arguments, scratch: scratch)
            Thread.sleep(forTimeInterval: Double(150 + random.next() % 600) / 1000)
            process.kill()
            let result = try process.wait()
            if result.signaled { kills += 1 }
            // More traffic while it is down, so that every restart has work to resume.
            try fixture.produce(topic: "events", partitions: 3, count: 3000, startTimestamp: 1_764_100_000_000 + Int64(round) * 10_000)
            if FileManager.default.fileExists(atPath: archive + "/sediment.sqlite") {
                let stored = try Archive.open(at: archive).statistics().reduce(0) { $0 + $1.messages }
                positions.append(stored)
            }
        }
        #expect(kills >= 10, "only \(kills) of the runs were killed mid-way")
        #expect(positions == positions.sorted(), "the stored count went backwards: \(positions)")
        let last = try CLIProcess.run(arguments + ["--until-caught-up"], scratch: scratch, timeout: .seconds(180))
        #expect(last.succeeded, "\(last.summary)")
        try fixture.expectArchive(archive, topic: "events")
        #expect(try Archive.open(at: archive).statistics().reduce(0) { $0 + $1.messages } == Int64(fixture.count(topic: "events")))
    }
}
