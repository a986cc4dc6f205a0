import Foundation
import GRDB
import Logging
import SedimentObjectStore
import Testing
@testable import Sediment

/// The library's `Pipeline`, in this process: consumer, store, compaction and upload
/// from one configuration value, with no command line in between.
@Suite("Pipeline")
struct PipelineTests {
    let scratch = TemporaryDirectory(label: "pipeline")

    /// A dump of `topic` that stops once caught up, in 5-minute windows.
    static func caughtUpDump(_ kafka: KafkaFixture, topic: String) -> DumpOptions {
        var dump = DumpOptions(brokers: kafka.bootstrap, topics: [topic])
        dump.untilCaughtUp = true
        dump.linger = .milliseconds(20)
        dump.compaction?.change = granularity(5)
        return dump
    }

    /// A `file://` target in `directory`, with the default keys.
    static func fileTarget(_ directory: String) throws -> UploadTarget {
        try UploadTarget(
            uri: "file://" + directory, store: try FileObjectStore(directory: directory),
            options: .init(template: try KeyTemplate(KeyTemplate.defaultTemplate)))
    }

    @Test("consumes until caught up, compacts, uploads every window it wrote and records them as uploaded")
    func consumeCompactUpload() async throws {
        let fixture = try KafkaFixture(topics: ["p": 2])
        let start = WallClock.nowMilliseconds() - 3 * 3_600_000
        try fixture.produce(topic: "p", partitions: 2, count: 3000, startTimestamp: start, spacing: 1000)
        var dump = Self.caughtUpDump(fixture, topic: "p")
        dump.compaction?.retention.localWindowRetention = 86_400_000
        var configuration = PipelineConfiguration(archive: scratch.file("archive"), dump: dump)
        let bucket = scratch.file("bucket")
        configuration.upload = try Self.fileTarget(bucket)
        let pipeline = try Pipeline(configuration: configuration, logger: Logger(label: "test.pipeline"))
        try await pipeline.run()

        let summary = try #require(pipeline.summary)
        #expect(summary.stored == 3000)
        let written = try #require(summary.compaction)
        #expect(written.files > 5 && summary.upload?.objects == written.files && summary.upload?.failed == 0, "\(summary)")
        let lines = try BucketMessages.inDirectory(bucket)
        #expect(lines.count == written.messages && Set(lines.map { "\($0.partition)/\($0.offset)" }).count == written.messages)
        let archive = try Archive.open(at: scratch.file("archive"))
        let states = try archive.index.read { db in try String.fetchAll(db, sql: "SELECT state FROM window_uploads") }
        #expect(states.count == written.files && states.allSatisfy { $0 == UploadState.uploaded.rawValue })
        #expect(try archive.hasContinuousTarget())
    }

    @Test("with closeAllWhenCaughtUp, the window still open when the dump caught up is written and uploaded too")
    func closeAllOnceCaughtUp() async throws {
        let fixture = try KafkaFixture(topics: ["recent": 2])
        // Twelve minutes up to now in 5-minute windows: the newest window is still open.
        let start = WallClock.nowMilliseconds() - 12 * 60_000
        try fixture.produce(topic: "recent", partitions: 2, count: 720, startTimestamp: start, spacing: 1000)
        func exported(closingAll: Bool) async throws -> (summary: DumpSummary, bucket: [OutputLine]) {
            var dump = Self.caughtUpDump(fixture, topic: "recent")
            dump.compaction?.closeAllWhenCaughtUp = closingAll
            let name = closingAll ? "closing" : "leaving"
            var configuration = PipelineConfiguration(archive: scratch.file("archive-" + name), dump: dump)
            let bucket = scratch.file("bucket-" + name)
            configuration.upload = try Self.fileTarget(bucket)
            let pipeline = try Pipeline(configuration: configuration, logger: Logger(label: "test.pipeline"))
            try await pipeline.run()
            return (try #require(pipeline.summary), try BucketMessages.inDirectory(bucket))
        }

        let closing = try await exported(closingAll: true)
        #expect(closing.summary.stored == 720 && closing.summary.compaction?.messages == 720, "\(closing.summary)")
        #expect(closing.summary.upload?.objects == closing.summary.compaction?.files && closing.summary.upload?.failed == 0)
        let keys = closing.bucket.map { "\($0.partition)/\($0.offset)" }
        #expect(keys.count == 720 && Set(keys).count == 720, "every message once in the bucket")
        // Without it, the newest window waits for a later run: what makes the option needed.
        let leaving = try await exported(closingAll: false)
        #expect(leaving.summary.stored == 720 && (leaving.summary.compaction?.messages ?? 0) < 720, "\(leaving.summary)")
        #expect(leaving.bucket.count == leaving.summary.compaction?.messages)
    }

    @Test("a dump stopped before it caught up leaves the open window open, closeAllWhenCaughtUp or not")
    func stoppedDumpClosesNothing() throws {
        let fixture = try KafkaFixture(topics: ["recent": 2])
        try fixture.produce(topic: "recent", partitions: 2, count: 100, startTimestamp: WallClock.nowMilliseconds() - 20_000, spacing: 100)
        let options = Self.caughtUpDump(fixture, topic: "recent")
        let archive = scratch.file("stopped")
        func dump(closingAll: Bool, stop: DumpStop) throws -> DumpSummary {
            var run = options
            run.compaction?.closeAllWhenCaughtUp = closingAll
            return try ArchiveDump(archive: archive, options: run, archiveOptions: ArchiveOptions(), logger: Logger(label: "test.dump"))
                .run(stop: stop)
        }
        // Stored, its window open.
        #expect(try dump(closingAll: false, stop: DumpStop()).stored == 100)
        let stopped = DumpStop()
        stopped.request()
        #expect(try dump(closingAll: true, stop: stopped).compaction?.messages == 0)
        #expect(try Archive.open(at: archive).windowFiles(instance: "local", topic: "recent").isEmpty)
        // The same archive, caught up this time: the window is written.
        #expect(try dump(closingAll: true, stop: DumpStop()).compaction?.messages == 100)
    }

    @Test("settings that cannot work together are refused before anything opens")
    func refusesBadSettings() throws {
        var dump = DumpOptions(brokers: "127.0.0.1:1", topics: ["t"])
        dump.compaction?.retention.localWindowRetention = 1000
        let archive = scratch.file("never")
        let error = #expect(throws: SedimentError.self) {
            try Pipeline(configuration: PipelineConfiguration(archive: archive, dump: dump), logger: Logger(label: "test"))
        }
        #expect(error?.message.contains("localWindowRetention") == true)
        #expect(!FileManager.default.fileExists(atPath: archive))

        var closing = DumpOptions(brokers: "127.0.0.1:1", topics: ["t"])
        closing.compaction?.closeAllWhenCaughtUp = true
        let runsOn = #expect(throws: SedimentError.self) {
            try Pipeline(configuration: PipelineConfiguration(archive: archive, dump: closing), logger: Logger(label: "test"))
        }
        #expect(runsOn?.message == "`closeAllWhenCaughtUp` needs `untilCaughtUp`: " + DumpOptions.closeAllReason)
        #expect(!FileManager.default.fileExists(atPath: archive))

        // A group feeds one bucket from several workers, whatever a fresh archive says yet.
        var grouped = DumpOptions(brokers: "127.0.0.1:1", topics: ["t"])
        grouped.group = "g"
        var configuration = PipelineConfiguration(archive: archive, dump: grouped)
        configuration.upload = try Self.fileTarget(scratch.file("bucket"))
        let refused = #expect(throws: SedimentError.self) { try Pipeline(configuration: configuration, logger: Logger(label: "test")) }
        #expect(refused?.message.contains("add {worker}") == true, "\(String(describing: refused))")
        #expect(!FileManager.default.fileExists(atPath: archive))
    }
}
