import Foundation
import Logging
import Synchronization
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// `credential_process` in a profile: a command the test writes, run through /bin/sh, its
/// JSON answer signing real requests to SeaweedFS.
@Suite struct CredentialProcessTests {
    static let payload = ObjectPayload(bytes: Data("from a helper".utf8))

    /// A helper that counts its runs in `runs` and prints `answer(run)`'s JSON.
    struct Helper {
        let directory: String
        var runs: Int { ((try? String(contentsOfFile: directory + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").count }

        /// `answers` holds one shell `case` arm per run number (`1) ...;;`), `*)` for the rest.
        init(answers: String) throws {
            directory = try TestFiles.directory()
            let script = """
                #!/bin/sh
                echo run >> "\(directory)/runs"
                run=$(wc -l < "\(directory)/runs")
                case $run in
                \(answers)
                esac
                """
            try script.write(toFile: directory + "/helper.sh", atomically: true, encoding: .utf8)
        }

        /// A credentials file whose profile `helper` runs the script.
        func credentialsFile() throws -> String {
            let path = directory + "/credentials"
            try "[default]\naws_access_key_id = unused\n\n[profile helper]\ncredential_process = /bin/sh \(directory)/helper.sh\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func json(_ identity: SeaweedFS.Identity, secret: String? = nil, expiration: String? = nil) -> String {
        var fields = [#""Version": 1"#, #""AccessKeyId": "\#(identity.accessKey)""#, #""SecretAccessKey": "\#(secret ?? identity.secretKey)""#]
        if let expiration { fields.append(#""Expiration": "\#(expiration)""#) }
        return "echo '{" + fields.joined(separator: ", ") + "}'"
    }

    @Test func itsAnswerSignsUntilShortlyBeforeItsExpiration() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("process")
        let helper = try Helper(answers: "*) \(Self.json(SeaweedFS.admin, expiration: "2099-01-01T00:00:00Z"));;")
        let provider = try CredentialsFile(path: try helper.credentialsFile(), profile: "helper", logger: Logger(label: "test"))
        let store = try server.store(bucket: bucket, credentials: provider)
        try await store.closing {
            for index in 0..<3 { _ = try await store.putObject(key: "object-\(index)", payload: Self.payload) }
        }
        #expect(helper.runs == 1, "an answer valid until 2099 is kept")

        // The same answer, seen through a clock that moves: it is asked for again only
        // five minutes before it expires.
        let clock = TestClock(start: "2098-12-31T23:00:00Z")
        let process = CredentialProcess(
            command: "/bin/sh \(helper.directory)/helper.sh", origin: "a test", logger: Logger(label: "test"), now: clock.now)
        _ = try await process.credentials()
        clock.set("2098-12-31T23:54:59Z")
        _ = try await process.credentials()
        #expect(helper.runs == 2)
        clock.set("2098-12-31T23:55:01Z")
        #expect(try await process.credentials().accessKeyID == SeaweedFS.admin.accessKey)
        #expect(helper.runs == 3)
    }

    /// Without an expiration the answer is kept until the store refuses it; then the
    /// helper runs again and the refused request goes once more, inside the same call.
    @Test func aRefusedAnswerRunsTheHelperAgainAndTheRequestIsSentOnceMore() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("process-refused")
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let helper = try Helper(answers: """
            1) \(Self.json(SeaweedFS.admin, secret: "stale-secret-from-helper"));;
            2) \(Self.json(SeaweedFS.admin));;
            3) \(Self.json(SeaweedFS.rotated));;
            *) \(Self.json(SeaweedFS.admin));;
            """)
        let logs = RecordedLogs()
        let provider = try CredentialsFile(path: try helper.credentialsFile(), profile: "helper", logger: logs.logger)
        let store = try server.store(bucket: bucket, endpoint: proxy.endpoint, credentials: provider, logger: logs.logger)
        try await store.closing {
            _ = try await store.putObject(key: "refused-then-sent", payload: Self.payload)
            #expect(helper.runs == 2 && proxy.requests.count == 2, "\(proxy.requests.map(\.kind))")
            _ = try await store.putObject(key: "kept", payload: Self.payload)
            #expect(helper.runs == 2 && proxy.requests.count == 3)

            // An expired session token (injected: SeaweedFS issues none here): the helper's
            // third answer, another identity, sends the request again.
            proxy.inject([.init(kind: .putObject, fault: .error(status: 400, code: "ExpiredToken"))])
            _ = try await store.putObject(key: "after-expired-token", payload: Self.payload)
            #expect(helper.runs == 3 && proxy.requests.count == 5)

            // Refused twice: sent once more only (with the fourth answer), and the store's
            // error comes out.
            proxy.inject(Array(repeating: .init(kind: .putObject, fault: .error(status: 400, code: "ExpiredToken")), count: 2))
            let error = await #expect(throws: ObjectStoreError.self) { try await store.putObject(key: "never", payload: Self.payload) }
            #expect(error?.serverCode == "ExpiredToken" && helper.runs == 4 && proxy.requests.count == 7, "\(proxy.requests.count)")
        }
        let keys = try await server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "").map(\.key) }
        #expect(keys == ["after-expired-token", "kept", "refused-then-sent"])
        #expect(!logs.all.contains("stale-secret-from-helper") && !logs.all.contains(SeaweedFS.admin.secretKey))
    }

    @Test(arguments: [
        ("echo '{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"printed-secret-1\"}'; exit 3", "exited with status 3"),
        ("echo '{\"Version\": 2, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"printed-secret-2\"}'", "printed no \"Version\": 1"),
        ("echo '{\"Version\": 1, \"AccessKeyId\": \"AK\"}'", "printed no \"AccessKeyId\" and \"SecretAccessKey\""),
        ("echo 'printed-secret-3 is not JSON'", "did not print a JSON object"),
        ("echo '{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"printed-secret-4\", \"Expiration\": \"soon\"}'", "printed an \"Expiration\" that is not an ISO-8601 time"),
    ])
    func aFailingHelperIsNamedWithoutItsOutput(script: String, why: String) async throws {
        let helper = try Helper(answers: "*) \(script);;")
        let path = try helper.credentialsFile()
        let provider = try CredentialsFile(path: path, profile: "helper", logger: Logger(label: "test"))
        let error = await #expect(throws: ObjectStoreError.self) { try await provider.credentials() }
        let text = "\(error!)"
        #expect(error?.code == .missingCredentials)
        #expect(text.contains("credential_process of profile [helper] of \(path) (`/bin/sh \(helper.directory)/helper.sh`) \(why)"), "\(text)")
        #expect(!text.contains("printed-secret"))
    }

    /// A helper that hangs is killed with whatever it started, at the timeout.
    @Test func aHangingHelperIsStoppedAtItsTimeout() async throws {
        let process = CredentialProcess(
            command: "sleep 30; echo '{}'", origin: "a test", timeout: .milliseconds(300), logger: Logger(label: "test"))
        let error = await #expect(throws: ObjectStoreError.self) { try await process.credentials() }
        // Only a kill at the timeout gives this message: the helper ending by itself after
        // 30 s would have printed something that is not credentials.
        #expect("\(error!)".contains("did not finish within 0.3 seconds"), "\(error!)")
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<TimeInterval>

    init(start: String) { seconds = Mutex(Self.parse(start)) }

    func set(_ time: String) { seconds.withLock { $0 = Self.parse(time) } }

    @Sendable func now() -> Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }

    private static func parse(_ time: String) -> TimeInterval { ISO8601DateFormatter().date(from: time)!.timeIntervalSince1970 }
}
