import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing
@testable import Sediment

/// Crash loops long enough to be figures rather than anecdotes: `make soak` runs them
/// (`swift test --filter SoakTests`), `make test` leaves them out (`--skip SoakTests`).
/// One at a time: each loads both cores with the CLI processes it kills.
///
/// The seed of the kill moments is printed at the start; `SEDIMENT_SOAK_SEED=N` runs that
/// sequence again (the processes' own timing still varies).
@Suite("Soak: crash loops", .serialized)
struct SoakTests {
    let scratch = TemporaryDirectory(label: "soak")

    static func seed(_ name: String) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["SEDIMENT_SOAK_SEED"].flatMap { UInt64($0) }
            ?? UInt64(UInt32.random(in: 0...UInt32.max))
        print("soak \(name): seed \(seed) (SEDIMENT_SOAK_SEED=\(seed) repeats the kill moments)")
        return seed
    }

    /// Blocks the thread: a test's kill moments must not wait for a cooperative thread to
    /// resume them, which under load can be seconds late.
    static func pause(milliseconds: UInt64) {
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
    }

    /// `sediment verify --deep` of `archive` and its bucket: every segment record, window
    /// file and index row, and every uploaded object downloaded and hashed. Records an
    /// issue, with verify's output, unless it is clean.
    static func verify(_ archive: String, target: String, scratch: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verified = try CLIProcess.run(
            ["verify", "--archive", archive, "--target", target, "--deep"], scratch: scratch, environment: UploadFixture.credentials(),
            timeout: .seconds(300))
        #expect(verified.succeeded, "verify \(archive): \(verified.stdoutText) \(verified.summary)", sourceLocation: sourceLocation)
    }

    /// Every message `archive` holds of `topic`, from segments and window files, by partition.
    static func archived(_ archive: String, topic: String, partitions: Int32) throws -> [Int32: [Message]] {
        let opened = try Archive.open(at: archive)
        var held: [Int32: [Message]] = [:]
        for partition in 0..<partitions {
            held[partition] = try opened.messages(of: PartitionKey(instance: "local", topic: topic, partition: partition), offsets: 0...Int64.max).all()
        }
        return held
    }

    /// The end checks of a bucket that every write reached through `proxy`: the messages its
    /// window objects hold (returned), each object written once (`ObjectWrites`), none left
    /// without a record of its write, and no multipart upload open. Counts go to `figures`.
    static func checkBucket(
        _ server: SeaweedFS, bucket: String, proxy: FaultProxy, scratch: TemporaryDirectory, figures: inout SoakFigures
    ) async throws -> [OutputLine] {
        let writes = ObjectWrites(proxy.requests, bucket: bucket)
        let (objects, open, lines) = try await server.withStore(bucket: bucket) { store in
            (try await store.listObjects(prefix: ""), try await store.listMultipartUploads(prefix: ""),
             try await BucketMessages.inStore(store, scratch: scratch))
        }
        figures.objects += objects.count
        let again = writes.writes.filter { $0.value.count > 1 }
        if !again.isEmpty {
            figures.notes.append("\(bucket): \(again.count) keys accepted more than once with the same bytes, e.g. \(again.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key) \($0.value.map(\.rawValue))" })")
        }
        let sizes = objects.filter { $0.key.hasSuffix(".jsonl.gz") }.map(\.size).sorted()
        if !sizes.isEmpty {
            figures.notes.append("\(bucket): \(sizes.count) window objects of \(sizes.first!) to \(sizes.last!) bytes, median \(sizes[sizes.count / 2])")
        }
        figures.writesAccepted += writes.accepted
        figures.multipartAccepted += writes.multipart
        figures.rewritten += writes.rewritten.count + writes.deleted.count
        figures.openUploads += open.count
        #expect(writes.rewritten.isEmpty, "objects whose content the store accepted twice, differently: \(writes.rewritten)")
        #expect(writes.deleted.isEmpty, "objects deleted: \(writes.deleted.sorted())")
        #expect(writes.withoutETag.isEmpty, "accepted writes without an ETag, not comparable: \(writes.withoutETag.sorted())")
        #expect(open.isEmpty, "multipart uploads left open: \(open)")
        // Every object there came through the proxy with the ETag it has now: else the
        // ledger missed writes and could not have seen a rewrite.
        let unrecorded = objects.filter { writes.etags[$0.key] != [$0.etag] }
        #expect(unrecorded.isEmpty, "objects whose write the proxy did not record as they are: \(unrecorded.prefix(5))")
        #expect(objects.contains { $0.key.hasSuffix(".jsonl.gz") }, "no window object in \(bucket)")
        return lines
    }

    /// `lines` against `produced`: (partition, offset, whether the bytes are the produced ones).
    static func compared(_ lines: [OutputLine], with produced: [Int32: [Message]]) -> [(partition: Int32, offset: Int64, same: Bool)] {
        lines.map { line in
            let partition = Int32(line.partition)
            let messages = produced[partition] ?? []
            return (partition: partition, offset: Int64(line.offset), same: line.offset < messages.count && line.holds(messages[line.offset]))
        }
    }

    /// `held` against `produced`, as `compared(_:with:)` does for bucket lines.
    static func compared(_ held: [Int32: [Message]], with produced: [Int32: [Message]]) -> [(partition: Int32, offset: Int64, same: Bool)] {
        held.flatMap { partition, messages in
            let expected = produced[partition] ?? []
            return messages.map { (partition: partition, offset: $0.offset, same: $0.offset >= 0 && $0.offset < expected.count && expected[Int($0.offset)] == $0) }
        }
    }
}

/// Produces a topic's messages on a thread of its own, one chunk each time the test
/// releases one, so that chunks arrive while the CLI processes are running and being killed.
final class SoakProducer: @unchecked Sendable {
    // @unchecked: `fixture` is used only by the producing thread until `finish()` returns;
    // `condition` guards `released`, `done` and `failure`.
    let fixture: KafkaFixture
    private let condition = NSCondition()
    private var released = 0
    private var done = false
    private var failure: (any Error)?

    let chunks: Int
    let perChunk: Int

    /// 30 chunks of 10,000 messages round-robin over `partitions` partitions of topic
    /// `soak` in a new mock cluster. 20 ms apart, the 300,000 messages span 100 one-minute
    /// windows, two days ago: windows close as the partitions move past them, and the last
    /// ones once the partitions are idle. Keep each partition under the mock's ~5 MB
    /// (12 partitions or more).
    init(partitions: Int32, chunks: Int = 30, perChunk: Int = 10_000) throws {
        let fixture = try KafkaFixture(topics: ["soak": partitions])
        self.fixture = fixture
        self.chunks = chunks
        self.perChunk = perChunk
        let (start, spacing): (Int64, Int64) = (WallClock.nowMilliseconds() - 2 * 86_400_000, 20)
        Thread.detachNewThread { [self] in
            do {
                for chunk in 0..<chunks {
                    condition.withLock { while released <= chunk { condition.wait() } }
                    try self.fixture.produce(
                        topic: "soak", partitions: partitions, count: perChunk,
                        startTimestamp: start + Int64(chunk * perChunk) * spacing, spacing: spacing)
                }
            } catch {
                condition.withLock { failure = error }
            }
            condition.withLock {
                done = true
                condition.broadcast()
            }
        }
    }

    /// Lets the next chunk go (all of them with `all`).
    func release(all: Bool = false) {
        condition.withLock {
            released = all ? Int.max : released + 1
            condition.broadcast()
        }
    }

    /// Waits until every chunk is produced; throws what producing threw.
    func finish() throws -> KafkaFixture {
        release(all: true)
        try condition.withLock {
            while !done { condition.wait() }
            if let failure { throw failure }
        }
        return fixture
    }
}

/// What a soak run counted, printed at its end for the report (`make soak` shows it).
struct SoakFigures {
    var name: String
    var seed: UInt64
    var killsSent = 0
    /// Kills that found the process running, so it died of the signal.
    var killsLanded = 0
    /// Runs that ended by themselves with an error: each is a failure.
    var runsFailed = 0
    var produced = 0
    var archive = Tally()
    var bucket = Tally()
    var objects = 0
    var writesAccepted = 0
    /// Of those, completed multipart uploads.
    var multipartAccepted = 0
    /// Writes the store had accepted when the last kill was sent: uploads went on during
    /// the kills, not only in the final clean run.
    var writesDuringKills = 0
    var rewritten = 0
    var openUploads = 0
    var started = ContinuousClock.now
    /// Extra lines (group runs: offsets two workers hold).
    var notes: [String] = []

    /// How a copy (archive or bucket) compares with what was produced.
    struct Tally {
        var held = 0
        var lost = 0
        var duplicated = 0
        /// Held once, but with other bytes than produced, or at an offset never produced.
        var differing = 0

        static func += (left: inout Tally, right: Tally) {
            left.held += right.held
            left.lost += right.lost
            left.duplicated += right.duplicated
            left.differing += right.differing
        }
    }

    /// SIGKILLs `process` (`what`, in `round`) and counts the kill: landed if the process
    /// was running, a failure recorded if it had already ended by itself with an error.
    mutating func kill(_ process: CLIProcess, round: Int, _ what: String) throws {
        let running = process.isRunning
        process.kill()
        killsSent += 1
        let result = try process.wait()
        if result.signaled && running {
            killsLanded += 1
        } else if !result.succeeded {
            runsFailed += 1
            Issue.record("round \(round): \(what) failed on its own: \(result.summary)")
        }
    }

    func report() {
        let survived = runsFailed == 0 && archive.lost + archive.duplicated + archive.differing == 0
            && bucket.lost + bucket.duplicated + bucket.differing == 0 && rewritten == 0 && openUploads == 0
        let lines = [
            "soak \(name) (seed \(seed)), \(ContinuousClock.now - started):",
            "  kills sent \(killsSent), landed mid-run \(killsLanded), survived \(survived ? killsLanded : 0); runs failed on their own \(runsFailed)",
            "  messages produced \(produced); archive held \(archive.held): lost \(archive.lost), duplicated \(archive.duplicated), differing \(archive.differing)",
            "  bucket held \(bucket.held): lost \(bucket.lost), duplicated \(bucket.duplicated), differing \(bucket.differing)",
            "  objects \(objects), writes the store accepted \(writesAccepted) (\(multipartAccepted) multipart, \(writesDuringKills) while kills were sent)",
            "  objects rewritten or deleted \(rewritten), multipart uploads left open \(openUploads)",
        ] + notes.map { "  " + $0 }
        print(lines.joined(separator: "\n"))
    }

    /// Compares `held` (partition, offset, and whether its bytes are the produced ones)
    /// with `expected`: each expected offset must be held once, with its bytes.
    static func tally(_ held: [(partition: Int32, offset: Int64, same: Bool)], expected: [Int32: Set<Int64>]) -> Tally {
        var tally = Tally(held: held.count)
        var seen: [Int32: Set<Int64>] = [:]
        for item in held {
            if !seen[item.partition, default: []].insert(item.offset).inserted {
                tally.duplicated += 1
            } else if !item.same || !(expected[item.partition]?.contains(item.offset) ?? false) {
                tally.differing += 1
            }
        }
        for (partition, offsets) in expected {
            tally.lost += offsets.subtracting(seen[partition] ?? []).count
        }
        return tally
    }

    /// Every offset of `produced`, per partition.
    static func offsets(_ produced: [Int32: [Message]]) -> [Int32: Set<Int64>] {
        produced.mapValues { Set($0.map(\.offset)) }
    }
}
