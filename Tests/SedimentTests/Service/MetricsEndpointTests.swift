import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `dump --http` serves /metrics, /healthz and /readyz beside the task: the metrics parse
/// with Prometheus' own text parser (the Python client's), and the counters say what the
/// archive and the bucket hold.
@Suite("dump --http: metrics and health")
struct MetricsEndpointTests {
    let scratch = TemporaryDirectory(label: "metrics")

    /// Every sample of `/metrics` as Prometheus' parser reads it: `name{label="v",...}` → value.
    static func scrape(_ base: String) throws -> [String: Double] {
        let script = """
            import json, sys, urllib.request
            from prometheus_client.parser import text_string_to_metric_families
            text = urllib.request.urlopen(sys.argv[1] + "/metrics", timeout=10).read().decode()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                    print(f"{sample.name}{{{labels}}} {sample.value!r}")
            """
        let output = try Self.python(["-c", script, base])
        var samples: [String: Double] = [:]
        for line in output.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw CLIProcess.Failure(description: "unreadable sample line '\(line)'")
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// The HTTP status of `GET base/path`.
    static func status(_ base: String, _ path: String) throws -> Int {
        let script = """
            import sys, urllib.request, urllib.error
            try:
                print(urllib.request.urlopen(sys.argv[1], timeout=10).status)
            except urllib.error.HTTPError as error:
                print(error.code)
            """
        return Int(try python(["-c", script, base + path]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static func python(_ arguments: [String]) throws -> String {
        String(decoding: try CompactionFixture.run("python3", arguments), as: UTF8.self)
    }

    @Test("/metrics parses with Prometheus' parser and counts what was consumed, written and uploaded; /readyz answers 200 while the task consumes")
    func metricsMatchTheArchiveAndTheBucket() throws {
        let kafka = try KafkaFixture(topics: ["orders": 3])
        // 40 minutes of messages long past: every 5-minute window is closed at once.
        try kafka.produce(topic: "orders", partitions: 3, count: 2400, spacing: 1000)
        let bucket = scratch.file("bucket")
        let dump = try CLIProcess(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", scratch.file("archive"), "--granularity", "5m",
             "--compact-interval", "1s", "--target", "file://" + bucket, "--http", "127.0.0.1:0", "--json"],
            scratch: scratch)
        defer { if dump.isRunning { dump.kill() } }
        let deadline = ContinuousClock.now + .seconds(90)
        let url = try dump.servingAddress()
        #expect(try Self.status(url, "/healthz") == 200)

        // Until everything is in, every window written has gone up, no partition lags, and
        // two scrapes a second apart agree (a compaction pass may still be writing).
        var samples: [String: Double] = [:]
        var previous: [String: Double] = [:]
        let settled = [
            #"sediment_consumed_messages_total{topic="orders"}"#, #"sediment_windows_written_total{topic="orders"}"#,
            #"sediment_windows_uploaded_total{topic="orders"}"#,
        ]
        while ContinuousClock.now < deadline {
            samples = try Self.scrape(url)
            let written = samples[settled[1]] ?? 0
            let lagging = (0..<3).contains { samples[#"sediment_consumer_lag_messages{partition="\#($0)",topic="orders"}"#] != 0 }
            if samples[settled[0]] == 2400, written > 0, samples[settled[2]] == written, !lagging,
                settled.allSatisfy({ samples[$0] == previous[$0] })
            {
                break
            }
            previous = samples
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(try Self.status(url, "/readyz") == 200)
        let objects = try FileManager.default.subpathsOfDirectory(atPath: bucket)
            .filter { !$0.hasSuffix(".manifest.json") && $0.hasSuffix(".gz") }
        let sizes = try objects.map { try FileManager.default.attributesOfItem(atPath: bucket + "/" + $0)[.size] as! Int }
        #expect(samples[#"sediment_consumed_messages_total{topic="orders"}"#] == 2400)
        #expect(samples[#"sediment_windows_written_total{topic="orders"}"#] == Double(objects.count), "\(objects)")
        #expect(samples[#"sediment_windows_uploaded_total{topic="orders"}"#] == Double(objects.count))
        #expect(samples[#"sediment_upload_bytes_total{topic="orders"}"#] == Double(sizes.reduce(0, +)))
        #expect(samples[#"sediment_windows_upload_failed_total{topic="orders"}"#] == nil)
        #expect((0..<3).allSatisfy { samples[#"sediment_consumer_lag_messages{partition="\#($0)",topic="orders"}"#] == 0 }, "\(samples)")
        #expect((samples[#"sediment_batch_commit_seconds_count{}"#] ?? 0) >= 1)
        for stage in ["consume", "commit", "compact", "upload"] {
            let time = samples[#"sediment_last_success_timestamp_seconds{stage="\#(stage)"}"#] ?? 0
            #expect(abs(time - Date().timeIntervalSince1970) < 120, "stage \(stage): \(time)")
        }

        dump.terminate()
        let result = try dump.wait()
        #expect(result.succeeded, "\(result.summary)")
        // The closing summary counts the bytes the dump stored; the counter saw the same.
        let summary = try JSONDecoder().decode(DumpSummary.self, from: result.stdout)
        #expect(summary.stored == 2400 && samples[#"sediment_consumed_bytes_total{topic="orders"}"#] == Double(summary.bytes), "\(summary)")
        let finally = try FileManager.default.subpathsOfDirectory(atPath: bucket).filter { !$0.hasSuffix(".manifest.json") && $0.hasSuffix(".gz") }
        #expect(summary.upload?.objects == finally.count && finally.count == objects.count, "nothing was left for the last pass")
    }
}
