import Foundation

/// Bytes of window files written but not yet in the index, per archive: a window's parts
/// stay under temporary names until the whole window is written, and only then does the
/// index record them. `--max-archive-size` measures from the index, so it adds these,
/// or a window being compacted during a bucket outage (each part up to the file size cap)
/// would go uncounted.
enum UnrecordedWindowBytes {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var bytes: [String: Int64] = [:]

    static func add(_ count: Int64, archive root: String) {
        lock.withLock {
            let total = bytes[root, default: 0] + count
            bytes[root] = total == 0 ? nil : total
        }
    }

    static func of(archive root: String) -> Int64 {
        lock.withLock { bytes[root] ?? 0 }
    }
}
