import AsyncHTTPClient
import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// Every command that takes credentials, at debug log level, with known secrets: the
/// store's secret key and a session token from the environment, a `credential_process`
/// helper's output, a Kafka password passed through to librdkafka, and serve's token.
/// SeaweedFS refuses requests that carry a session token (403 InvalidAccessKeyId), so the
/// commands run once without one, succeeding, and once with one, failing: the error path
/// is searched as well.
/// None of them may appear in any output, in any file of the archives (the index, its WAL
/// before a checkpoint, segments, windows, locks), or in any object of the buckets or its
/// metadata.
@Suite("Secrets appear nowhere (CLI, SeaweedFS)")
struct SecretsSweepTests {
    static let sessionToken = "sweep-session-token-Qz81xP"
    static let kafkaPassword = "sweep-kafka-password-Rt55"
    static let serveToken = "sweep-serve-token-Yh27"
    static let helperSessionToken = "sweep-helper-session-Lp03"
    static var secrets: [String] {
        [SeaweedFS.secretKey, SeaweedFS.rotated.secretKey, sessionToken, kafkaPassword, serveToken, helperSessionToken]
    }

    /// What the sweep read, and where each secret turned up.
    final class Sweep {
        var places = 0
        var bytes = 0
        var found: [String] = []

        func search(_ data: Data, in place: String) {
            places += 1
            bytes += data.count
            for secret in SecretsSweepTests.secrets where data.range(of: Data(secret.utf8)) != nil {
                found.append("\(secret) in \(place)")
            }
        }

        func search(_ result: CLIProcess.Result, of command: String) {
            search(result.stdout, in: "stdout of \(command)")
            search(Data(result.stderr.utf8), in: "stderr of \(command)")
        }

        /// Every file under `root`, as it is now.
        func searchFiles(under root: String) {
            for relative in FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [] {
                let path = root + "/" + relative
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    let data = FileManager.default.contents(atPath: path)
                else { continue }
                search(data, in: path)
            }
        }
    }

    @Test("dump, compact, upload, reupload, restore, query, verify, status, run --config and serve leak no secret anywhere")
    func noSecretAnywhere() async throws {
        let server = try await SeaweedFS.running()
        let scratch = TemporaryDirectory(label: "secrets-sweep")
        let kafka = try KafkaFixture(topics: ["secrets": 2])
        try kafka.produce(topic: "secrets", partitions: 2, count: 3_000, spacing: 200)
        var buckets: [String] = []
        for stem in ["sweep-dump", "sweep-reupload", "sweep-helper", "sweep-run"] { buckets.append(try await server.makeBucket(stem)) }
        let target = buckets.map { server.uri(bucket: $0) }
        let environment = ["AWS_ACCESS_KEY_ID": SeaweedFS.accessKey, "AWS_SECRET_ACCESS_KEY": SeaweedFS.secretKey]
        let withToken = environment.merging(["AWS_SESSION_TOKEN": Self.sessionToken]) { $1 }
        let debug = ["--log-level", "debug"]
        let archive = scratch.file("archive")
        let sweep = Sweep()
        func run(_ arguments: [String], environment extra: [String: String] = environment, fails: Bool = false, level: [String] = debug) throws {
            let result = try CLIProcess.run(arguments + level, scratch: scratch, environment: extra)
            if fails {
                #expect(!result.signaled && result.status != 0 && result.stderr.contains("403"), "sediment \(arguments.joined(separator: " ")): \(result.summary)")
            } else {
                #expect(result.succeeded, "sediment \(arguments.joined(separator: " ")): \(result.summary)")
            }
            sweep.search(result, of: arguments[0])
        }

        // A running dump: its archive is read while the index's WAL is not checkpointed.
        let dump = try CLIProcess(
            ["dump", "--archive", archive, "--brokers", kafka.bootstrap, "--topic", "secrets", "--granularity", "5m",
             "--compact-interval", "1s", "--target", target[0], "--kafka-option", "sasl.password=\(Self.kafkaPassword)"] + debug,
            scratch: scratch, environment: environment)
        let deadline = ContinuousClock.now + .seconds(300)
        while try await !server.withStore(bucket: buckets[0], { try await $0.listObjects(prefix: "") }).contains(where: { $0.key.hasSuffix(".manifest.json") }) {
            guard ContinuousClock.now < deadline, dump.isRunning else { throw CLIProcess.Failure(description: "no upload: \(try dump.wait().summary)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(FileManager.default.fileExists(atPath: archive + "/sediment.sqlite-wal"), "the WAL is there to search")
        sweep.searchFiles(under: archive)
        dump.terminate()
        sweep.search(try dump.wait(), of: "dump")

        try run(["compact", "--archive", archive, "--target", target[0]])
        try run(["upload", "--archive", archive, "--target", target[0]])
        try run(["reupload", "--archive", archive, "--target", target[1], "--topic", "secrets", "--from", "0"])
        // A credential_process helper's keys and session token, and no environment.
        let helper = scratch.file("helper.sh")
        let credentials = scratch.file("credentials")
        try """
            [profile helper]
            credential_process = /bin/sh \(helper)
            [profile helper-token]
            credential_process = /bin/sh \(helper) token
            """.write(toFile: credentials, atomically: true, encoding: .utf8)
        try """
            token=""; [ "$1" = token ] && token=', "SessionToken": "\(Self.helperSessionToken)"'
            echo '{"Version": 1, "AccessKeyId": "\(SeaweedFS.rotated.accessKey)", "SecretAccessKey": "\(SeaweedFS.rotated.secretKey)", "Expiration": "2099-01-01T00:00:00Z"'"$token"'}'
            """.write(toFile: helper, atomically: true, encoding: .utf8)
        let helperUpload = ["upload", "--archive", archive, "--target", target[2], "--credentials-file", credentials, "--profile"]
        try run(helperUpload + ["helper"], environment: RunningCredentialsTests.noEnvironment)
        try run(helperUpload + ["helper-token"], environment: RunningCredentialsTests.noEnvironment, fails: true)
        let restored = scratch.file("restored")
        try run(["restore", "--archive", restored, "--target", target[0], "--topic", "secrets", "--from", "0"])
        try run(["query", "--archive", archive, "--topic", "secrets", "--from", "0", "--target", target[0]])
        try run(["verify", "--archive", archive, "--target", target[0]])
        // The same, with a session token the store refuses.
        try run(["upload", "--archive", archive, "--target", target[0]], environment: withToken, fails: true)
        try run(["upload", "--archive", archive, "--target", target[0]], environment: withToken, fails: true, level: ["--log-level", "trace"])
        try run(["reupload", "--archive", archive, "--target", target[1], "--topic", "secrets", "--from", "0"], environment: withToken, fails: true)
        try run(["restore", "--archive", scratch.file("refused"), "--target", target[0], "--topic", "secrets", "--from", "0"], environment: withToken, fails: true)
        try run(["query", "--archive", restored, "--topic", "secrets", "--from", "0", "--target", target[0], "--count"], environment: withToken, fails: true)
        try run(["verify", "--archive", archive, "--target", target[0]], environment: withToken, fails: true)
        try run(["status", "--archive", archive, "--brokers", kafka.bootstrap, "--kafka-option", "sasl.password=\(Self.kafkaPassword)"])

        let config = scratch.file("sediment.yaml")
        try """
            tasks:
              - name: sweep
                archive: \(scratch.file("run-archive"))
                brokers: \(kafka.bootstrap)
                topics: [secrets]
                until-caught-up: true
                granularity: 5m
                target: \(target[3])
                kafka-options:
                  sasl.password: \(Self.kafkaPassword)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        try run(["run", "--config", config])

        let serve = try CLIProcess(
            ["serve", "--archive", archive, "--http", "127.0.0.1:0", "--token", Self.serveToken, "--target", target[0]] + debug,
            scratch: scratch, environment: environment)
        let base = try serve.servingAddress()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        for (path, token) in [("/api/status", Self.serveToken), ("/api/query?topic=secrets&from=0", Self.serveToken), ("/api/status", "wrong-token")] {
            var request = HTTPClientRequest(url: base + path)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 30)
            #expect(response.status.code == (token == Self.serveToken ? 200 : 401), "\(path)")
            sweep.search(Data(body.readableBytesView), in: "serve's answer to \(path)")
        }
        try await client.shutdown()
        serve.terminate()
        sweep.search(try serve.wait(), of: "serve")

        for root in [archive, restored, scratch.file("run-archive"), scratch.file("refused")] { sweep.searchFiles(under: root) }
        var objects = 0
        for bucket in buckets {
            try await server.withStore(bucket: bucket) { store in
                for object in try await store.listObjects(prefix: "") {
                    objects += 1
                    sweep.search(try await store.getObject(key: object.key, range: nil, maxBytes: 1 << 30), in: "\(bucket)/\(object.key)")
                    let head = try #require(try await store.headObject(key: object.key))
                    sweep.search(Data(head.metadata.map { "\($0.key): \($0.value)" }.joined(separator: "\n").utf8), in: "metadata of \(bucket)/\(object.key)")
                }
            }
        }
        #expect(objects >= 8, "every bucket holds windows and manifests: \(objects) objects")
        #expect(sweep.found.isEmpty, "\(sweep.found.count) leaks: \(sweep.found.prefix(10))")
        // The search finds what is there: the test's own config file and helper hold secrets.
        let control = Sweep()
        control.searchFiles(under: scratch.path)
        #expect(control.found.contains("\(Self.kafkaPassword) in \(config)") && control.found.contains("\(Self.helperSessionToken) in \(helper)"))
        print("secrets sweep: \(sweep.places) places, \(sweep.bytes) bytes searched for \(Self.secrets.count) secrets, \(sweep.found.count) found")
        withExtendedLifetime(scratch) {}
    }
}
