import Foundation
import GRDB
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// `UploadTarget.preflight`: a target that cannot be written stops a pipeline, `dump`,
/// `compact` and `upload` before they consume, compact or record anything, with the
/// store's error, the bucket and the prefix; a target that can be written keeps no probe.
@Suite("Upload target preflight")
struct PreflightTests {
    let scratch = TemporaryDirectory(label: "preflight")

    static let wrongSecret = Credentials(accessKeyID: SeaweedFS.accessKey, secretAccessKey: "preflight-wrong-secret-Hq2")

    @Test("a missing bucket, a wrong secret, a read-only identity and a directory that cannot be made: the pipeline fails before it consumes")
    func refusedTargetsStopThePipeline() async throws {
        let server = try await SeaweedFS.running()
        let kafka = try KafkaFixture(topics: ["p": 2])
        try kafka.produce(topic: "p", partitions: 2, count: 200)
        let bucket = try await server.makeBucket("preflight")
        try Data().write(to: URL(fileURLWithPath: scratch.file("a-file")))
        let refused: [(target: ObjectTarget, credentials: Credentials?, says: String)] = [
            (try server.target(bucket: "preflight-never-made", prefix: "dumps/p"), SeaweedFS.admin.credentials, "404 NoSuchBucket"),
            (try server.target(bucket: bucket, prefix: "dumps/p"), Self.wrongSecret, "403 SignatureDoesNotMatch"),
            (try server.target(bucket: bucket, prefix: "dumps/p"), SeaweedFS.readOnly.credentials, "403 AccessDenied"),
            (try ObjectTarget(parsing: "file://" + scratch.file("a-file/bucket")), nil, "cannot write under"),
        ]
        for (index, refusal) in refused.enumerated() {
            var dump = DumpOptions(brokers: kafka.bootstrap, topics: ["p"])
            dump.untilCaughtUp = true
            let archive = scratch.file("archive-\(index)")
            var configuration = PipelineConfiguration(archive: archive, dump: dump)
            configuration.upload = try UploadTarget(
                uri: "\(refusal.target)", store: try refusal.target.makeStore(credentials: refusal.credentials, logger: Logger(label: "test")),
                options: .init(template: try KeyTemplate(KeyTemplate.defaultTemplate)))
            let pipeline = try Pipeline(configuration: configuration, logger: Logger(label: "test.preflight"))
            let error = await #expect(throws: SedimentError.self) { try await pipeline.run() }
            #expect(error?.code == .targetRefused && error?.errorClass == .remote, "\(String(describing: error))")
            let message = error?.message ?? ""
            #expect(message.hasPrefix("the upload target \(refusal.target) cannot be written"), "\(message)")
            #expect(message.contains("\(refusal.target)/.sediment-probe-") && message.contains(refusal.says), "\(message)")
            #expect(!message.contains(Self.wrongSecret.secretAccessKey))
            #expect(!FileManager.default.fileExists(atPath: archive), "nothing consumed, no archive made")
        }
    }

    @Test("a writable target under a prefix: the pipeline uploads its windows and the bucket holds no probe")
    func aWritableTargetKeepsNoProbe() async throws {
        let server = try await SeaweedFS.running()
        let kafka = try KafkaFixture(topics: ["p": 2])
        try kafka.produce(topic: "p", partitions: 2, count: 600, startTimestamp: 1_764_000_000_000, spacing: 1000)
        let bucket = try await server.makeBucket("preflight-good")
        var dump = DumpOptions(brokers: kafka.bootstrap, topics: ["p"])
        dump.untilCaughtUp = true
        dump.linger = .milliseconds(20)
        dump.compaction?.change = granularity(5)
        var configuration = PipelineConfiguration(archive: scratch.file("archive"), dump: dump)
        let target = try server.target(bucket: bucket, prefix: "dumps")
        configuration.upload = try UploadTarget(
            uri: "\(target)", store: try target.makeStore(credentials: SeaweedFS.rotated.credentials, logger: Logger(label: "test")),
            options: .init(template: try KeyTemplate(KeyTemplate.defaultTemplate)))
        let pipeline = try Pipeline(configuration: configuration, logger: Logger(label: "test.preflight"))
        try await pipeline.run()

        let uploaded = try #require(pipeline.summary?.upload)
        let keys = try await server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "").map(\.key) }
        #expect(uploaded.objects > 0 && keys.count == 2 * uploaded.objects, "objects and manifests: \(keys)")
        #expect(keys.allSatisfy { $0.hasPrefix("dumps/local/p/") }, "\(keys)")
    }

    @Test("sediment dump --target with a read-only identity: exit 69 at once, the bucket, the prefix and AccessDenied on stderr, no archive")
    func dumpRefusedAtStart() async throws {
        let server = try await SeaweedFS.running()
        let kafka = try KafkaFixture(topics: ["orders": 1])
        try kafka.produce(topic: "orders", partitions: 1, count: 100)
        let bucket = try await server.makeBucket("preflight-dump")
        let archive = scratch.file("dump-archive")
        let environment = ["AWS_ACCESS_KEY_ID": SeaweedFS.readOnly.accessKey, "AWS_SECRET_ACCESS_KEY": SeaweedFS.readOnly.secretKey]
        let result = try CLIProcess.run(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", archive, "--until-caught-up",
             "--target", server.uri(bucket: bucket, prefix: "team/orders")],
            scratch: scratch, environment: environment, timeout: .seconds(60))
        #expect(!result.signaled && result.status == ExitStatus.remote, "\(result.summary)")
        #expect(result.stderr.contains("s3://\(bucket)/team/orders/.sediment-probe-") && result.stderr.contains("403 AccessDenied"), "\(result.stderr)")
        #expect(!result.stderr.contains(SeaweedFS.readOnly.secretKey))
        #expect(!FileManager.default.fileExists(atPath: archive))
    }

    @Test("sediment compact --target and upload with a wrong secret: exit 69, nothing compacted, no target recorded")
    func compactAndUploadRefusedAtStart() async throws {
        let server = try await SeaweedFS.running()
        let fixture = CompactionFixture(label: "preflight-compact")
        try fixture.append(RetentionTests.messages(0..<500))
        let bucket = try await server.makeBucket("preflight-compact")
        let environment = ["AWS_ACCESS_KEY_ID": SeaweedFS.accessKey, "AWS_SECRET_ACCESS_KEY": Self.wrongSecret.secretAccessKey]
        let target = ["--target", server.uri(bucket: bucket, prefix: "x")]
        for command in [["compact", "--archive", fixture.path, "--granularity", "5m", "--close-all"], ["upload", "--archive", fixture.path]] {
            let result = try CLIProcess.run(command + target, scratch: scratch, environment: environment)
            #expect(!result.signaled && result.status == ExitStatus.remote, "\(command[0]): \(result.summary)")
            #expect(result.stderr.contains("s3://\(bucket)/x/.sediment-probe-") && result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
            #expect(!result.stderr.contains(Self.wrongSecret.secretAccessKey))
        }
        #expect(try fixture.files().isEmpty, "nothing compacted")
        #expect(try Archive.open(at: fixture.path).index.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM upload_targets") } == 0)
    }
}
