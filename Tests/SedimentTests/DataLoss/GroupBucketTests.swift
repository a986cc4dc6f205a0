import Foundation
import Testing
@testable import Sediment

/// Workers of a consumer group feed one bucket: their object keys differ by construction
/// (each archive names its own worker), and `upload` or `compact --target` from a group's
/// archive holds them to the rule `dump --group` does.
@Suite("Group workers and one bucket")
struct GroupBucketTests {
    let scratch = TemporaryDirectory(label: "group-bucket")

    @Test("two workers on one host with default names, then compact --close-all on each: the bucket holds all 6,000 messages")
    func twoWorkersOneHost() throws {
        let fixture = try KafkaFixture(topics: ["g": 4])
        try fixture.produce(topic: "g", partitions: 4, count: 6000)
        let bucket = scratch.file("bucket")
        let target = ["--target", "file://" + bucket, "--key-template", "{instance}/{topic}/{date}/{worker}/{timestamp}"]
        func worker(_ name: String) throws -> CLIProcess {
            try CLIProcess(
                ["dump", "--brokers", fixture.bootstrap, "--topic", "g", "--archive", scratch.file(name), "--group", "bars-g",
                 "--granularity", "5m", "--window-time", "ingest", "--linger", "20ms", "--log-level", "info",
                 "--kafka-option", "session.timeout.ms=6000", "--kafka-option", "heartbeat.interval.ms=500"] + target,
                scratch: scratch)
        }
        func stored() -> Int64 {
            ["a", "b"].reduce(0) { total, name in
                guard let statistics = try? Archive.open(at: scratch.file(name)).statistics() else { return total }
                return total + statistics.reduce(0) { $0 + $1.messages }
            }
        }
        let a = try worker("a")
        let b = try worker("b")
        defer { a.kill(); b.kill() }
        try waitUntil("both workers have partitions and every message is stored", timeout: .seconds(90)) {
            a.stderrSoFar.contains("partitions assigned") && b.stderrSoFar.contains("partitions assigned") && stored() == 6000
        }
        for process in [a, b] { process.terminate() }
        for process in [a, b] {
            let result = try process.wait()
            #expect(result.succeeded, "\(result.summary)")
        }
        var workers: Set<String> = []
        for name in ["a", "b"] {
            let archive = scratch.file(name)
            _ = try CLIProcess.succeed(["compact", "--archive", archive, "--close-all"] + target, scratch: scratch)
            let names = try Archive.open(at: archive).statistics().filter { $0.messages > 0 }.compactMap(\.worker)
            #expect(names.count > 0 && Set(names).count == 1, "one worker name per archive: \(names)")
            workers.formUnion(names)
        }
        let host = ProcessInfo.processInfo.hostName
        #expect(workers.count == 2 && workers.allSatisfy { $0.hasPrefix(host + "-") }, "\(workers)")
        BucketMessages.expect(try BucketMessages.inDirectory(bucket), holdEvery: [0: 0..<1500, 1: 0..<1500, 2: 0..<1500, 3: 0..<1500])
    }

    @Test("upload and compact --target from a group's archive refuse a template without {worker}, as dump --group does")
    func groupArchiveNeedsWorker() throws {
        let fixture = try KafkaFixture(topics: ["g": 2])
        try fixture.produce(topic: "g", partitions: 2, count: 200)
        let archive = scratch.file("group-archive")
        let dumped = try CLIProcess.run(
            ["dump", "--brokers", fixture.bootstrap, "--topic", "g", "--archive", archive, "--group", "solo",
             "--until-caught-up", "--linger", "20ms", "--no-compact"], scratch: scratch, timeout: .seconds(120))
        #expect(dumped.succeeded, "\(dumped.summary)")
        _ = try CLIProcess.succeed(["compact", "--archive", archive, "--close-all"], scratch: scratch)
        let bucket = "file://" + scratch.file("group-bucket")
        for command in [["upload"], ["compact", "--close-all"]] {
            for template in ["{instance}/{topic}/{date}/{timestamp}", "{instance}/{topic}/{partition}/{timestamp}"] {
                let refused = try CLIProcess.run(
                    command + ["--archive", archive, "--target", bucket, "--key-template", template], scratch: scratch)
                #expect(refused.status == ExitStatus.usage && refused.stderr.contains("add {worker}"), "\(command) \(template): \(refused.summary)")
            }
        }
        #expect(try BucketMessages.inDirectory(scratch.file("group-bucket")).isEmpty, "nothing was uploaded")
        _ = try CLIProcess.succeed(
            ["upload", "--archive", archive, "--target", bucket, "--key-template", "{instance}/{topic}/{date}/{worker}/{timestamp}"],
            scratch: scratch)
        BucketMessages.expect(try BucketMessages.inDirectory(scratch.file("group-bucket")), holdEvery: [0: 0..<100, 1: 0..<100])
    }
}
