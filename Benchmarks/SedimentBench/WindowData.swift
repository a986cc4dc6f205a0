import Foundation
import Sediment

/// Log-like text values, the kind of payload people archive: fields vary, so gzip meets
/// a realistic ratio (about 4 to 1) rather than runs of one byte.
struct LogLines {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func random() -> UInt64 { next() }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
    private static let paths = ["/api/v1/orders", "/api/v1/customers", "/api/v2/payments", "/health", "/api/v1/cart/items"]
    private static let words = ["accepted", "queued", "retrying", "payment", "captured", "shipment", "created", "cache", "miss", "hit", "timeout", "upstream"]

    mutating func line(timestamp: Int64) -> String {
        let r = next()
        let level = Self.levels[Int(r % 6)]
        let path = Self.paths[Int((r >> 8) % 5)]
        let words = (0..<Int((r >> 16) % 8 + 2)).map { _ in Self.words[Int(next() % 12)] }.joined(separator: " ")
        return "\(Timestamp.iso8601(milliseconds: timestamp)) \(level) svc-\((r >> 24) % 40) req=\(String(next(), radix: 16)) "
            + "user=u\((r >> 32) % 100_000) path=\(path)/\((r >> 40) % 1_000_000) status=\([200, 200, 200, 201, 404, 500][Int((r >> 44) % 6)]) "
            + "latency_ms=\((r >> 48) % 2000) msg=\"\(words)\""
    }
}

/// Small JSON event values of about 70 bytes, the other common payload: per-message work
/// weighs most on them.
struct JSONEvents {
    private var lines: LogLines

    init(seed: UInt64) { lines = LogLines(seed: seed) }

    private static let events = ["click", "view", "purchase", "signup", "logout"]

    mutating func line(timestamp: Int64) -> String {
        let r = lines.random()
        return "{\"id\":\(r % 10_000_000),\"user\":\"u\((r >> 24) % 100_000)\",\"event\":\"\(Self.events[Int((r >> 40) % 5)])\","
            + "\"amount\":\((r >> 44) % 10_000),\"ok\":\((r >> 60) % 2 == 0)}"
    }
}

/// What a window is filled with.
enum WindowValues {
    case logLines
    case jsonEvents
}

/// Fills `path` with messages of one topic, `bench`, whose timestamps spread evenly over
/// the 60-minute window starting at `windowStart`, until the values reach `bytes`.
func fillWindow(path: String, bytes: Int64, windowStart: Int64, partitions: Int32 = 3, values: WindowValues = .logLines) throws -> Int {
    let writer = try ArchiveWriter(at: path)
    var lines = LogLines(seed: 42)
    var events = JSONEvents(seed: 42)
    var written: Int64 = 0
    var count = 0
    while written < bytes {
        var batch = try writer.makeBatch(instance: "local", topic: "bench")
        for _ in 0..<50_000 where written < bytes {
            let timestamp = windowStart + min(3_599_999, written * 3_600_000 / bytes)
            var value = values == .logLines ? lines.line(timestamp: timestamp) : events.line(timestamp: timestamp)
            value.withUTF8 { raw in
                _ = batch.append(
                    partition: Int32(count) % partitions, offset: Int64(count) / Int64(partitions), timestamp: timestamp,
                    timestampType: .createTime, key: nil, value: UnsafeRawBufferPointer(raw))
            }
            written += Int64(value.utf8.count + 1)
            count += 1
        }
        try writer.append([batch])
    }
    return count
}
