import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `sediment query` processes running beside a `sediment ingest` that commits many small
/// batches. `Archive` (Store/Archive.swift) promises that readers in other processes see
/// committed batches only, so each query must return, per partition, exactly the offsets
/// 0..<k for some k, and k must never shrink from one query to the next.
@Suite("Queries beside a running ingest (CLI)", .serialized)
struct ConcurrentQueryTests {
    /// Shared between the test and the thread feeding the ingest's stdin.
    final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var queries = 0
        private var stopped = false
        private var fed = false

        func queryStarted() { lock.withLock { queries += 1 } }
        func stop() { lock.withLock { stopped = true } }
        func finishFeeding() { lock.withLock { fed = true } }
        var queryCount: Int { lock.withLock { queries } }
        var isStopped: Bool { lock.withLock { stopped } }
        var isFed: Bool { lock.withLock { fed } }
    }

    @Test("every query during a slow ingest returns a consistent, growing prefix")
    func queriesSeeConsistentPrefixes() throws {
        try withTemporaryDirectory(label: "concurrent") { scratch in
            let topic = "live"
            let input = GeneratedTopic(topic: topic, partitions: 3, count: 60_000, seed: 0x5EED_0002)
            let archive = scratch.file("archive")
            let queryArguments = [
                "query", "--archive", archive, "--topic", topic,
                "--from", "\(input.minTimestamp)", "--to", "\(input.maxTimestamp + 1)", "--format", "jsonl",
            ]
            // The input goes through a pipe in chunks; chunk n is written as query n starts, so
            // every query runs while the ingest commits a fresh chunk (~20 batches of 8 KiB),
            // whatever the speed of the machine: no sleep decides what overlaps what. The
            // size keeps the test quick: each query of a debug build reads everything so far.
            let chunkCount = 32
            let chunks = input.chunks(chunkCount)
            let pipe = Pipe()
            let ingest = try CLIProcess(
                ["ingest", "--archive", archive, "--topic", topic, "--input", "-", "--input-format", "jsonl", "--batch-bytes", "8192"],
                scratch: scratch, stdin: pipe.fileHandleForReading)
            try? pipe.fileHandleForReading.close()  // the child holds its own copy; EOF must depend on ours only
            // If the ingest dies, writing to the pipe must fail with EPIPE, not kill the test runner.
            signal(SIGPIPE, SIG_IGN)
            let progress = Progress()
            let writer = pipe.fileHandleForWriting
            let feeder = Thread {
                defer {
                    try? writer.close()
                    progress.finishFeeding()
                }
                for (n, chunk) in chunks.enumerated() {
                    while progress.queryCount < n && !progress.isStopped { Thread.sleep(forTimeInterval: 0.002) }
                    if progress.isStopped { return }
                    do { try writer.write(contentsOf: chunk) } catch { return }
                }
            }
            feeder.start()
            defer {
                progress.stop()
                ingest.kill()
                while !progress.isFed { Thread.sleep(forTimeInterval: 0.002) }
            }

            // A query before the first commit fails by design (no archive, or no such topic).
            // Wait for it: first for segments/, which the writer creates only after creating
            // and migrating the index (so this polling never races that), then for the topic.
            let deadline = ContinuousClock.now + .seconds(60)
            while ingest.isRunning && ContinuousClock.now < deadline {
                if FileManager.default.fileExists(atPath: archive + "/segments"),
                    try StatusReport.load(archive: archive, scratch: scratch).partitions.contains(where: { $0.topic == topic })
                {
                    break
                }
                Thread.sleep(forTimeInterval: 0.005)
            }

            var previous = [Int](repeating: 0, count: 3)
            var queries = 0
            while ingest.isRunning {
                progress.queryStarted()
                let counts = input.verify(try OutputLine.decodeFast(try CLIProcess.succeed(queryArguments, scratch: scratch)))
                for partition in 0..<3 {
                    #expect(counts[partition] >= previous[partition],
                            "query \(queries): partition \(partition) went from \(previous[partition]) to \(counts[partition]) messages")
                }
                previous = counts
                queries += 1
            }
            let result = try ingest.wait()
            #expect(result.succeeded, "ingest: \(result.summary)")
            #expect(queries >= chunkCount - 1, "only \(queries) queries ran during the ingest")

            let final = input.verify(try OutputLine.decodeStrict(try CLIProcess.succeed(queryArguments, scratch: scratch)))
            #expect(final == input.messages.map(\.count), "final query returned \(final) messages per partition")
            let status = try StatusReport.load(archive: archive, scratch: scratch)
            #expect(status.partitions.reduce(0) { $0 + $1.messages } == input.count)
        }
    }
}

/// The suite's seeded generator (see MessageFactory.swift), so that a failing input can be regenerated.
typealias SeededRandom = SplitMix64

/// A deterministic topic written as Sediment's jsonl input: messages spread at random over
/// the partitions, offsets contiguous from 0 in each, timestamps that mostly rise but
/// sometimes go back and cross UTC midnight (several index dates), UTF-8 text that needs escapes,
/// binary, null and empty payloads, keys and headers. Payloads name their partition and
/// offset, so a message stored in the wrong place cannot match.
struct GeneratedTopic {
    struct Message: Equatable {
        var timestamp: Int64
        var key: [UInt8]?
        /// Flat, as the JSON lines have them: name, value, name, value...
        var headers: [[UInt8]?]
        var payload: [UInt8]?
    }

    let topic: String
    /// Per partition, indexed by offset.
    private(set) var messages: [[Message]]
    private(set) var jsonl: [UInt8] = []
    /// Where each input line ends in `jsonl`, to cut it at line boundaries.
    private var lineEnds: [Int] = []
    private(set) var minTimestamp = Int64.max
    private(set) var maxTimestamp = Int64.min
    var count: Int { lineEnds.count }

    init(topic: String, partitions: Int, count: Int, seed: UInt64) {
        self.topic = topic
        messages = Array(repeating: [], count: partitions)
        var rng = SeededRandom(seed: seed)
        // Each field is built with its JSON text directly: a byte-by-byte escaper is slow in a debug build.
        func binary(_ first: UInt8) -> ([UInt8], String) {  // 0xFF, 0xFE, 0xC0 never occur in UTF-8
            let bytes = [first] + (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return (bytes, #"{"base64":""# + Data(bytes).base64EncodedString() + #""}"#)
        }
        func text(_ value: String) -> ([UInt8], String) { (Array(value.utf8), "\"" + value + "\"") }  // no escapes needed
        let fillers = (0...60).map { String(repeating: "abcdefghij", count: 7).prefix($0) }
        jsonl.reserveCapacity(count * 160)
        for i in 0..<count {
            let partition = Int.random(in: 0..<partitions, using: &rng)
            let offset = messages[partition].count
            let timestamp = 1_790_000_000_000 + Int64(i) * 1000 + Int64.random(in: -120_000...5_000, using: &rng)
            let key: ([UInt8], String)? = switch rng.next() % 4 {
            case 0: nil
            case 1: binary(0xFE)
            default: text("key-\(offset % 100)")
            }
            let headers: [([UInt8], String)?] = switch rng.next() % 3 {
            case 0: [text("trace"), text("t-\(i)"), text("flag"), nil]
            case 1: [text("bin"), binary(0xC0)]
            default: []
            }
            let payload: ([UInt8], String)? = switch rng.next() % 10 {
            case 0: binary(0xFF)
            case 1: nil
            case 2: (Array("p\(partition) o\(offset) \"quoted\" \\ back\nslash\t\u{1} é € 😀 \u{7F}".utf8),
                     #""p\#(partition) o\#(offset) \"quoted\" \\ back\nslash\t\u0001 é € 😀 \#u{7F}""#)
            case 3: text("")
            default: text("p\(partition)-o\(offset) " + fillers[Int.random(in: 0...60, using: &rng)])
            }
            messages[partition].append(Message(timestamp: timestamp, key: key?.0, headers: headers.map { $0?.0 }, payload: payload?.0))
            minTimestamp = min(minTimestamp, timestamp)
            maxTimestamp = max(maxTimestamp, timestamp)
            var line = #"{"topic":"\#(topic)","partition":\#(partition),"offset":\#(offset),"tstype":"create","ts":\#(timestamp),"key":"#
            line += key?.1 ?? "null"
            if !headers.isEmpty { line += #","headers":["# + headers.map { $0?.1 ?? "null" }.joined(separator: ",") + "]" }
            line += #","payload":"# + (payload?.1 ?? "null") + "}\n"
            jsonl.append(contentsOf: line.utf8)
            lineEnds.append(jsonl.count)
        }
    }

    /// The input cut into `count` pieces of whole lines.
    func chunks(_ count: Int) -> [Data] {
        (0..<count).map { n in
            let first = n == 0 ? 0 : lineEnds[lineEnds.count * n / count - 1]
            return Data(jsonl[first..<lineEnds[lineEnds.count * (n + 1) / count - 1]])
        }
    }

    /// Checks decoded query output against this input: every line is a message of the
    /// input, byte for byte; per partition the offsets are exactly 0..<k, each once.
    /// Returns k per partition.
    func verify(_ lines: [OutputLine], sourceLocation: SourceLocation = #_sourceLocation) -> [Int] {
        var seen = messages.map { [Bool](repeating: false, count: $0.count) }
        var problems: [String] = []
        for line in lines {
            guard line.topic == topic, messages.indices.contains(line.partition),
                messages[line.partition].indices.contains(line.offset)
            else {
                problems.append("not in the input: \(line.topic)/\(line.partition)/\(line.offset)")
                continue
            }
            if seen[line.partition][line.offset] { problems.append("\(line.partition)/\(line.offset) returned twice") }
            seen[line.partition][line.offset] = true
            let got = Message(timestamp: line.timestamp, key: line.key, headers: line.headers, payload: line.payload)
            let expected = messages[line.partition][line.offset]
            if got != expected { problems.append("\(line.partition)/\(line.offset): got \(got), expected \(expected)") }
        }
        let counts = seen.map { flags in flags.prefix { $0 }.count }
        for (partition, flags) in seen.enumerated() where flags[counts[partition]...].contains(true) {
            problems.append("partition \(partition): offset \(counts[partition]) is missing, yet later offsets were returned")
        }
        #expect(problems.isEmpty, "\(problems.count) problems; first: \(problems.prefix(5))", sourceLocation: sourceLocation)
        return counts
    }
}
