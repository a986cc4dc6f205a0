import Foundation
import Logging
import Sediment
import SedimentObjectStore

// Library-level benchmarks that need data shaped in ways a pipe cannot give cheaply.
//   sediment-bench day-archive DIR COUNT      fills DIR with COUNT messages of 100 bytes
//                                             spread over one UTC day, 3 partitions
//   sediment-bench first-result DIR SAMPLES   opens DIR and times the first message of
//                                             SAMPLES 1-minute queries across the day
//   sediment-bench window-archive DIR MB      fills DIR with MB megabytes of log lines in
//                                             one 60-minute window, 3 partitions
//   sediment-bench json-window-archive DIR MB like window-archive, with JSON values of
//                                             about 70 bytes
//   sediment-bench seek DIR SAMPLES           compacts DIR as jsonl 60-minute windows and
//                                             counts the members SAMPLES 1-minute queries inflate
//   sediment-bench bucket-query DIR SAMPLES   times SAMPLES 1-minute queries, from a new empty
//                                             archive DIR, of the 60-minute window that only the
//                                             bucket SEDIMENT_BENCH_TARGET holds (credentials from
//                                             the environment), and the bytes they fetch

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]) else {
    FileHandle.standardError.write("usage: sediment-bench day-archive|first-result DIR N\n".data(using: .utf8)!)
    exit(2)
}
let path = arguments[2]
let dayStart: Int64 = 1_764_028_800_000 // 2025-11-25T00:00:00Z
let day: Int64 = 86_400_000
let windowStart: Int64 = 1_764_064_800_000 // 2025-11-25T10:00:00Z

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

switch arguments[1] {
case "day-archive":
    let writer = try ArchiveWriter(at: path)
    let value = [UInt8](repeating: 0x61, count: 100)
    let clock = ContinuousClock()
    let started = clock.now
    var written = 0
    try value.withUnsafeBytes { value in
        while written < count {
            var batch = try writer.makeBatch(instance: "local", topic: "day")
            let end = min(count, written + 100_000)
            for i in written..<end {
                let partition = Int32(i % 3)
                batch.append(
                    partition: partition, offset: Int64(i / 3), timestamp: dayStart + Int64(i) * day / Int64(count),
                    timestampType: .createTime, key: nil, value: value)
            }
            try writer.append([batch])
            written = end
        }
    }
    let elapsed = seconds(clock.now - started)
    print("day-archive messages=\(count) seconds=\(String(format: "%.2f", elapsed)) messages_per_second=\(Int(Double(count) / elapsed))")
case "first-result":
    var generator = SystemRandomNumberGenerator()
    var samples: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<count {
        let from = dayStart + Int64.random(in: 0..<(day - 60_000), using: &generator)
        let started = clock.now
        let archive = try Archive.open(at: path)
        let cursor = try archive.messages(instance: "local", topic: "day", in: from..<from + 60_000)
        guard try cursor.next() != nil else { fatalError("no message in a minute of the day archive") }
        samples.append(seconds(clock.now - started) * 1000)
    }
    samples.sort()
    let median = samples[samples.count / 2]
    print(String(format: "first-result samples=%d median_ms=%.2f p90_ms=%.2f max_ms=%.2f", samples.count, median, samples[samples.count * 9 / 10], samples.last!))
case "window-archive":
    let clock = ContinuousClock()
    let started = clock.now
    let messages = try fillWindow(path: path, bytes: Int64(count) * 1_000_000, windowStart: windowStart)
    print("window-archive messages=\(messages) seconds=\(String(format: "%.2f", seconds(clock.now - started)))")
case "json-window-archive":
    let clock = ContinuousClock()
    let started = clock.now
    let messages = try fillWindow(path: path, bytes: Int64(count) * 1_000_000, windowStart: windowStart, values: .jsonEvents)
    print("json-window-archive messages=\(messages) seconds=\(String(format: "%.2f", seconds(clock.now - started)))")
case "seek":
    let compactor = try Compactor.open(at: path)
    var change = WindowSettingsChange()
    change.granularity = 3_600_000
    change.format = .jsonl
    try compactor.configure(instance: "local", topic: "bench", change)
    _ = try compactor.compact(instance: "local", topic: "bench", closeAll: true)
    let archive = try Archive.open(at: path)
    var generator = SystemRandomNumberGenerator()
    var extra: [Int] = []
    var read: [Int] = []
    for _ in 0..<count {
        let from = windowStart + Int64.random(in: 0..<(3_600_000 - 60_000), using: &generator)
        let cursor = try archive.messages(instance: "local", topic: "bench", in: from..<from + 60_000)
        while try cursor.next() != nil {}
        read.append(cursor.windowMembersRead)
        extra.append(cursor.windowMembersRead - cursor.windowMembersUsed)
    }
    let members = try archive.windowFiles(instance: "local", topic: "bench").reduce(0) { $0 + Int($1.inputSize >> 20) }
    print("seek samples=\(count) window_members≈\(members) members_read_median=\(read.sorted()[read.count / 2]) extra_members_max=\(extra.max()!) (target: at most 2)")
case "bucket-query":
    guard let uri = ProcessInfo.processInfo.environment["SEDIMENT_BENCH_TARGET"] else { fatalError("set SEDIMENT_BENCH_TARGET") }
    _ = try ArchiveWriter(at: path)
    let archive = try Archive.open(at: path)
    let session = BucketSession(target: .init(uri: uri, template: try KeyTemplate(KeyTemplate.defaultTemplate))) { uri in
        let target = try ObjectTarget(parsing: uri)
        let logger = Logger(label: "bench")
        return try target.makeStore(credentials: try Credentials.provider(for: target, logger: logger), logger: logger)
    }
    let clock = ContinuousClock()
    var generator = SystemRandomNumberGenerator()
    var first: [Double] = []
    var whole: [Double] = []
    var fetched: [Int64] = []
    var members: [Int] = []
    for _ in 0..<count {
        let from = windowStart + Int64.random(in: 0..<(3_600_000 - 60_000), using: &generator)
        let started = clock.now
        let cursor = try archive.messages(instance: "local", topic: "bench", in: from..<from + 60_000, bucket: session)
        guard try cursor.next() != nil else { fatalError("no message in a minute of the bucket's window") }
        first.append(seconds(clock.now - started) * 1000)
        while try cursor.next() != nil {}
        whole.append(seconds(clock.now - started) * 1000)
        fetched.append(cursor.statistics.bytesFetched)
        members.append(cursor.statistics.membersRead)
    }
    try session.shutdownWaiting()
    func median<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
    print(String(
        format: "%.1f %.1f %d %lld", median(first), median(whole), median(members), median(fetched)))
default:
    FileHandle.standardError.write("unknown benchmark \(arguments[1])\n".data(using: .utf8)!)
    exit(2)
}
