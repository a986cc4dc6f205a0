import Crypto
import Foundation

/// A digest of what a replay sends as one record (key, value, headers), so that a resume
/// can tell the records an earlier run delivered without keeping them. Not the timestamp:
/// a target topic with `message.timestamp.type=LogAppendTime` replaces it, and librdkafka
/// sends a timestamp of 0 as the time of sending; either would make a resume take its own
/// run's records for someone else's.
struct ReplayFingerprint: Hashable, Sendable {
    private let digest: Data

    init(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [(name: String, value: UnsafeRawBufferPointer?)]) {
        var hasher = SHA256()
        func add(_ bytes: UnsafeRawBufferPointer?) {
            // Length first, and -1 for null: null and empty stay apart, and no field runs into the next.
            var length = Int64(bytes?.count ?? -1).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            if let bytes { hasher.update(bufferPointer: bytes) }
        }
        add(key)
        add(value)
        for header in headers {
            Array(header.name.utf8).withUnsafeBytes { add($0) }
            add(header.value)
        }
        digest = Data(hasher.finalize())
    }

    init(_ record: ReplayRecordBody) {
        let headers = record.headers
        self = record.key.withOptionalBytes { key in
            record.value.withOptionalBytes { value in
                ReplayFingerprint.withHeaderBytes(headers) { ReplayFingerprint(key: key, value: value, headers: $0) }
            }
        }
    }

    private static func withHeaderBytes<R>(
        _ headers: [(String, [UInt8]?)], _ body: ([(name: String, value: UnsafeRawBufferPointer?)]) -> R
    ) -> R {
        // Copies into one buffer, so that every pointer lives as long as the call.
        var storage: [UInt8] = []
        var spans: [(String, Range<Int>?)] = []
        for (name, value) in headers {
            if let value {
                spans.append((name, storage.count..<storage.count + value.count))
                storage += value
            } else {
                spans.append((name, nil))
            }
        }
        return storage.withUnsafeBytes { raw in
            body(spans.map { name, span in (name, span.map { UnsafeRawBufferPointer(rebasing: raw[$0]) }) })
        }
    }
}

/// One record as a replay sends it.
struct ReplayRecordBody {
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [(String, [UInt8]?)]
    var timestamp: Int64

    /// What `message` becomes; with `sourceHeaders`, where it came from is added.
    init(_ message: Message, topic: String, sourceHeaders: Bool) {
        key = message.key
        value = message.value
        headers = message.headers.map { ($0.name, $0.value) }
        if sourceHeaders {
            headers += [
                ("sediment.source.topic", Array(topic.utf8)),
                ("sediment.source.partition", Array(String(message.partition).utf8)),
                ("sediment.source.offset", Array(String(message.offset).utf8)),
                ("sediment.source.timestamp", Array(String(message.timestamp).utf8)),
            ]
        }
        timestamp = message.timestamp
    }

    var bytes: Int { (key?.count ?? 0) + (value?.count ?? 0) }
}

extension Optional where Wrapped == [UInt8] {
    func withOptionalBytes<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withUnsafeBytes { body($0) }
    }
}
