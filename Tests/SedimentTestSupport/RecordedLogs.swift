import Foundation
import Logging

/// A `Logger` whose lines are kept, for tests that check what is logged (and what never
/// is: a secret).
public final class RecordedLogs: @unchecked Sendable {
    // @unchecked: `lines` is guarded by `lock`.
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, text: String)] = []

    public init() {}

    public var logger: Logger {
        var logger = Logger(label: "test.recorded") { _ in Handler(logs: self) }
        logger.logLevel = .debug
        return logger
    }

    /// Every line at `level` or above: the message, then its metadata.
    public func texts(atLeast level: Logger.Level = .trace) -> [String] {
        lock.withLock { lines.filter { $0.level >= level }.map(\.text) }
    }

    /// All that was logged, as one string, to search for what must never appear.
    public var all: String { texts().joined(separator: "\n") }

    fileprivate func record(_ level: Logger.Level, _ text: String) {
        lock.withLock { lines.append((level, text)) }
    }

    private struct Handler: LogHandler {
        let logs: RecordedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            logs.record(event.level, "\(event.message)" + (details.isEmpty ? "" : " " + details))
        }
    }
}
