import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

extension SoakTests {
    @Test("30 SIGKILLs of dump --target s3:// while 300,000 messages arrive: the archive and the bucket hold each once, no object rewritten, no upload left open")
    func dumpCrashLoop() async throws {
        var random = SplitMix64(seed: Self.seed("dump"))
        var figures = SoakFigures(name: "dump --target s3://", seed: random.state)
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("soak")
        // Every request to the store goes through the proxy, which records the store's
        // answers: what `checkBucket` reads rewrites from.
        let proxy = try FaultProxy(upstreamPort: server.s3Port)
        defer { proxy.stop() }
        let partitions: Int32 = 16
        let producer = try SoakProducer(partitions: partitions)
        let archive = scratch.file("archive")
        let arguments = [
            "dump", "--brokers", producer.fixture.bootstrap, "--topic", "soak", "--archive", archive,
            "--granularity", "1m", "--grace", "1s", "--compact-interval", "1s", "--linger", "20ms", "--batch-bytes", "262144",
            // Windows of ~50 KB: those above the threshold go up in (one-part) multipart
            // uploads, the others in one PUT, so kills land in both.
            "--multipart-threshold", "40KiB", "--target", server.uri(bucket: bucket, endpoint: proxy.endpoint),
        ]
        let environment = UploadFixture.credentials()
        var stored: [Int64] = []
        for round in 0..<producer.chunks {
            let process = try CLIProcess(arguments, scratch: scratch, environment: environment)
            producer.release()
            // From the start-up (opening, recovering, probing the target) to well into
            // consuming, compacting and uploading.
            Self.pause(milliseconds: 200 + random.next() % 3800)
            try figures.kill(process, round: round, "dump")
            if FileManager.default.fileExists(atPath: archive + "/sediment.sqlite") {
                stored.append(try Archive.open(at: archive).statistics().reduce(0) { $0 + $1.messages })
            }
        }
        figures.writesDuringKills = ObjectWrites(proxy.requests, bucket: bucket).accepted
        let fixture = try producer.finish()
        figures.produced = fixture.count(topic: "soak")
        #expect(stored == stored.sorted(), "the stored count went backwards: \(stored)")

        // A clean run to the end, then every window closed and uploaded.
        let last = try CLIProcess.run(arguments + ["--until-caught-up"], scratch: scratch, environment: environment, timeout: .seconds(300))
        #expect(last.succeeded, "\(last.summary)")
        let closed = try CLIProcess.run(
            ["compact", "--archive", archive, "--close-all", "--target", server.uri(bucket: bucket, endpoint: proxy.endpoint)],
            scratch: scratch, environment: environment, timeout: .seconds(300))
        #expect(closed.succeeded, "\(closed.summary)")
        try Self.verify(archive, target: server.uri(bucket: bucket, endpoint: proxy.endpoint), scratch: scratch)

        let produced = fixture.produced["soak"] ?? [:]
        let held = try Self.archived(archive, topic: "soak", partitions: partitions)
        figures.archive = SoakFigures.tally(Self.compared(held, with: produced), expected: SoakFigures.offsets(produced))
        let lines = try await Self.checkBucket(server, bucket: bucket, proxy: proxy, scratch: scratch, figures: &figures)
        figures.bucket = SoakFigures.tally(Self.compared(lines, with: produced), expected: SoakFigures.offsets(produced))
        figures.report()

        #expect(figures.produced == producer.chunks * producer.perChunk)
        #expect(figures.writesDuringKills > 0 && figures.multipartAccepted > 0, "uploads, multipart ones among them, ran while kills were sent")
        // dump without --until-caught-up never ends by itself: every kill finds it running.
        #expect(figures.killsLanded == figures.killsSent, "only \(figures.killsLanded) of \(figures.killsSent) kills found dump running")
        for (name, tally) in [("archive", figures.archive), ("bucket", figures.bucket)] {
            #expect(tally.lost == 0 && tally.duplicated == 0 && tally.differing == 0 && tally.held == figures.produced, "\(name): \(tally)")
        }
    }
}
