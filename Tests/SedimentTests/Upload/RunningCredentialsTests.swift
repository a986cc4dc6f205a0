import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// Credentials as the CLI finds them while it runs: a credentials file rewritten under a
/// running dump, a `credential_process` helper, and Tencent Cloud's function runtime variables.
@Suite("Credentials while running")
struct RunningCredentialsTests {
    /// Empty variables count as unset: the file, or the variables a test sets, are what is used.
    static let noEnvironment = [
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "COS_SECRET_ID": "", "COS_SECRET_KEY": "",
        "TENCENTCLOUD_SECRET_ID": "", "TENCENTCLOUD_SECRET_KEY": "",
    ]
    static let wrongSecret = "rotated-away-secret-Lw40"

    @Test("dump --credentials-file: the file rewritten mid-run, with a wrong secret then another identity, signs the next upload pass without a restart")
    func dumpFollowsARewrittenFile() async throws {
        let fixture = try await UploadFixture(label: "running-credentials")
        let kafka = try KafkaFixture(topics: ["orders": 1])
        try kafka.produce(topic: "orders", partitions: 1, count: 50)
        let bucket = try await fixture.server.makeBucket("running")
        let file = fixture.scratch.file("credentials")
        try Self.write(SeaweedFS.admin.accessKey, SeaweedFS.admin.secretKey, to: file)
        // A window closes once its partition has been idle for the grace period: none here.
        let dump = try CLIProcess(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", fixture.path, "--linger", "50ms",
             "--granularity", "5m", "--grace", "0s", "--compact-interval", "1s", "--target", fixture.targetURI(bucket: bucket), "--credentials-file", file],
            scratch: fixture.scratch, environment: Self.noEnvironment)
        defer { dump.kill() }
        func states() -> [String] { ((try? fixture.uploadRows()) ?? []).map(\.state) }

        try await eventually("the first window is uploaded", timeout: .seconds(60)) { states() == ["uploaded"] }
        try Self.write(SeaweedFS.admin.accessKey, Self.wrongSecret, to: file)
        try kafka.produce(topic: "orders", partitions: 1, count: 50, startTimestamp: 1_764_000_000_000 + minutes(5))
        try await eventually("the second window's upload failed", timeout: .seconds(60)) { states() == ["uploaded", "failed"] }
        try Self.write(SeaweedFS.rotated.accessKey, SeaweedFS.rotated.secretKey, to: file)
        try await eventually("the second window is uploaded", timeout: .seconds(60)) { states() == ["uploaded", "uploaded"] }
        dump.terminate()
        let result = try dump.wait()

        #expect(result.succeeded, "\(result.summary)")
        #expect(result.stderr.contains("SignatureDoesNotMatch"), "the failed pass was logged")
        for secret in [SeaweedFS.admin.secretKey, SeaweedFS.rotated.secretKey, Self.wrongSecret] {
            #expect(!result.stderr.contains(secret) && !result.stdoutText.contains(secret))
        }
        let files = try fixture.archive.files()
        #expect(files.count == 2)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
    }

    @Test("upload with a credential_process profile: the helper's keys sign; a failing helper exits 64 naming the file, profile, command and status, not its output")
    func credentialProcessThroughTheCLI() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "credential-process", windows: 2, perWindow: 10, valueBytes: 100, bucket: "credential-process")
        let helper = fixture.scratch.file("helper.sh")
        let file = fixture.scratch.file("credentials")
        try """
            [profile good]
            credential_process = /bin/sh \(helper) good
            [profile broken]
            credential_process = /bin/sh \(helper) broken
            """.write(toFile: file, atomically: true, encoding: .utf8)
        try """
            if [ "$1" = good ]; then
              echo '{"Version": 1, "AccessKeyId": "\(SeaweedFS.rotated.accessKey)", "SecretAccessKey": "\(SeaweedFS.rotated.secretKey)", "Expiration": "2099-01-01T00:00:00Z"}'
            else
              echo '{"Version": 1, "AccessKeyId": "x", "SecretAccessKey": "printed-by-a-broken-helper"}'; exit 7
            fi
            """.write(toFile: helper, atomically: true, encoding: .utf8)
        let upload = ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket), "--credentials-file", file]

        let broken = try CLIProcess.run(upload + ["--profile", "broken"], scratch: fixture.scratch, environment: Self.noEnvironment)
        #expect(!broken.signaled && broken.status == ExitStatus.usage, "\(broken.summary)")
        #expect(broken.stderr.contains("credential_process of profile [broken] of \(file) (`/bin/sh \(helper) broken`) exited with status 7"), "\(broken.stderr)")
        #expect(!broken.stderr.contains("printed-by-a-broken-helper"))

        _ = try CLIProcess.succeed(upload + ["--profile", "good"], scratch: fixture.scratch, environment: Self.noEnvironment)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
    }

    @Test("upload to cos:// in a function runtime: TENCENTCLOUD_SECRETID, SECRETKEY and SESSIONTOKEN sign the request")
    func functionRuntimeVariablesThroughTheCLI() async throws {
        let (fixture, _, _) = try await UploadFixture.filled(
            label: "scf-variables", windows: 1, perWindow: 10, valueBytes: 100, bucket: "scf-unused")
        // No COS server here: the proxy refuses the first PUT (the write probe) and keeps its headers.
        let proxy = try FaultProxy(upstreamPort: 9)
        defer { proxy.stop() }
        proxy.inject([.init(kind: .putObject, fault: .status(403))])
        var environment = Self.noEnvironment
        environment["TENCENTCLOUD_SECRETID"] = "AKIDSCFRUNTIME"
        environment["TENCENTCLOUD_SECRETKEY"] = "scf-runtime-secret-Tq8"
        environment["TENCENTCLOUD_SESSIONTOKEN"] = "scf-runtime-token"
        let result = try CLIProcess.run(
            ["upload", "--archive", fixture.path, "--target", "cos://archive-1250000000/scf?region=ap-guangzhou&endpoint=\(proxy.endpoint)&path-style=true"],
            scratch: fixture.scratch, environment: environment)
        #expect(!result.signaled && result.status == ExitStatus.remote, "\(result.summary)")
        #expect(result.stderr.contains("cos://archive-1250000000/scf/.sediment-probe-") && result.stderr.contains("403 AccessDenied"), "\(result.stderr)")
        let headers = try #require(proxy.requests.first).headers.map { $0.lowercased() }
        #expect(headers.contains { $0.hasPrefix("authorization:") && $0.contains("q-ak=akidscfruntime&") }, "\(headers)")
        #expect(headers.contains("x-cos-security-token: scf-runtime-token"), "\(headers)")
        #expect(!result.stderr.contains("scf-runtime-secret-Tq8"))
    }

    static func write(_ id: String, _ secret: String, to path: String) throws {
        try "[default]\naws_access_key_id = \(id)\naws_secret_access_key = \(secret)\n".write(toFile: path, atomically: true, encoding: .utf8)
    }
}
