import Foundation
import Sediment
import Synchronization

/// The progress line of a long command on a terminal: items (of a total when known),
/// bytes, rates and an ETA, rewritten in place at most ten times a second. Nothing when
/// stderr is piped: `StandardError.meter` returns nil then.
///
///     12/96 windows, 1.2 GiB · 3.4 windows/s, 40.1 MiB/s · ETA 25s
final class ProgressMeter: Sendable {
    private let unit: String
    private let started = ContinuousClock.now
    private let lastDrawn = Mutex<ContinuousClock.Instant?>(nil)

    init(unit: String) { self.unit = unit }

    /// Redraws the line unless it was drawn less than 100 ms ago (or `force`).
    func update(done: Int, total: Int? = nil, bytes: Int64? = nil, force: Bool = false) {
        let now = ContinuousClock.now
        let due = lastDrawn.withLock { last in
            guard force || last.map({ now - $0 >= .milliseconds(100) }) ?? true else { return false }
            last = now
            return true
        }
        if due { StandardError.write("\r" + line(done: done, total: total, bytes: bytes, elapsed: now - started) + "\u{1B}[K") }
    }

    func line(done: Int, total: Int?, bytes: Int64?, elapsed: Duration) -> String {
        var parts = [total.map { "\(done)/\($0) \(unit)" } ?? "\(done) \(unit)"]
        if let bytes { parts[0] += ", \(ByteCount(bytes))" }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard seconds >= 0.5, done > 0 else { return parts[0] }
        let rate = Double(done) / seconds
        var rates = [String(format: "%.1f %@/s", rate, unit)]
        if let bytes { rates.append("\(ByteCount(Int64(Double(bytes) / seconds)))/s") }
        parts.append(rates.joined(separator: ", "))
        if let total, total > done { parts.append("ETA " + Self.duration(Double(total - done) / rate)) }
        return parts.joined(separator: " · ")
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", whole % 3600 / 60))m"
    }
}

extension StandardError {
    /// A progress meter on a terminal; nil when stderr is piped.
    static func meter(unit: String) -> ProgressMeter? {
        isTerminal ? ProgressMeter(unit: unit) : nil
    }
}

/// One meter per topic in turn, for a command that goes through topics one after another
/// and counts each from zero (`compact`).
final class TopicMeters: Sendable {
    private let unit: String
    private let current = Mutex<(topic: String, meter: ProgressMeter)?>(nil)

    init(unit: String) { self.unit = unit }

    func update(topic: String, done: Int, total: Int?) {
        let meter = current.withLock { current in
            if current?.topic != topic { current = (topic, ProgressMeter(unit: "\(unit) of \(topic)")) }
            return current!.meter
        }
        meter.update(done: done, total: total)
    }
}
