import AsyncHTTPClient
import Foundation
import Testing
@testable import Sediment

/// `run --http` serves, beside /metrics, each task's archive as `serve` does, under
/// /tasks/NAME/, with an index of the tasks at /.
@Suite("run --http: the tasks' archives")
struct RunHTTPTests {
    @Test("/tasks/NAME/api/status is the task archive's status --json; /tasks/NAME/ its console; / lists the tasks")
    func tasksServed() async throws {
        let scratch = TemporaryDirectory(label: "run-http")
        let kafka = try KafkaFixture(topics: ["orders": 2, "logs": 2])
        try kafka.produce(topic: "orders", partitions: 2, count: 360, startTimestamp: TaskRunnerTests.base, spacing: 10_000)
        try kafka.produce(topic: "logs", partitions: 2, count: 360, startTimestamp: TaskRunnerTests.base, spacing: 10_000)
        let config = scratch.file("run.yaml")
        try Data("""
            defaults:
              brokers: \(kafka.bootstrap)
              linger: 20ms
              granularity: 15m
              compact-interval: 1s
            tasks:
              - name: orders
                archive: \(scratch.file("orders"))
                topics: orders
              - name: logs
                archive: \(scratch.file("logs"))
                topics: logs
            """.utf8).write(to: URL(fileURLWithPath: config))
        let run = try CLIProcess(["run", "--config", config, "--http", "127.0.0.1:0"], scratch: scratch)
        defer {
            run.terminate()
            _ = try? run.wait(timeout: .seconds(30))
        }
        let client = HTTPClient.shared
        func get(_ url: String) async throws -> (Int, Data) {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            return (Int(response.status.code), Data(try await response.body.collect(upTo: 1 << 26).readableBytesView))
        }
        try await eventually("the server and both archives are up", timeout: .seconds(120)) {
            run.stderrSoFar.contains("serving http://") && FileManager.default.fileExists(atPath: scratch.file("logs") + "/sediment.sqlite")
        }
        let base = try #require(run.stderrSoFar.firstMatch(of: /serving (http:\/\/127\.0\.0\.1:\d+)\/metrics/).map { String($0.1) })
        try await eventually("both tasks hold every message", timeout: .seconds(120)) {
            try ["orders", "logs"].allSatisfy { (try Archive.open(at: scratch.file($0)).statistics().reduce(0) { $0 + $1.messages }) == 360 }
        }
        for task in ["orders", "logs"] {
            let (status, body) = try await get(base + "/tasks/\(task)/api/status")
            #expect(status == 200)
            let served = try JSONDecoder().decode(Sediment.StatusReport.self, from: body)
            #expect(served.partitions == (try Archive.open(at: scratch.file(task)).statistics()), "\(task)")
            let (pageStatus, page) = try await get(base + "/tasks/\(task)/")
            #expect(pageStatus == 200 && String(decoding: page, as: UTF8.self).contains("<h3>local/\(task)"), "\(task)")
            #expect(String(decoding: page, as: UTF8.self).contains("action=\"/tasks/\(task)/#query\""))
        }
        let (indexStatus, index) = try await get(base + "/")
        #expect(indexStatus == 200 && String(decoding: index, as: UTF8.self).contains("href=\"/tasks/orders/\"") && String(decoding: index, as: UTF8.self).contains("href=\"/tasks/logs/\""))
        #expect(try await get(base + "/tasks/nope/api/status").0 == 404)
        #expect(try await get(base + "/metrics").0 == 200)
    }
}
