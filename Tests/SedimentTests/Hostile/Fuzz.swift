import Foundation
import PropertyBased
import Testing

/// Runs a parser on many generated inputs and checks properties on each: no trap, no hang,
/// a rejection is an error that says what was wrong, a round trip gives back what went in.
///
/// Deterministic by default: each target draws from its own fixed seed, so that CI runs
/// the same inputs every time and a failure names the input that caused it. For longer
/// runs (`make fuzz`) `SEDIMENT_FUZZ_SCALE` multiplies every count and `SEDIMENT_FUZZ_SEED`
/// picks other inputs. Each target prints how many inputs it tried, as
/// `fuzz: <target>: <n> inputs tried (<accepted> accepted, <rejected> rejected), seed <s>`.
enum Fuzz {
    enum Outcome { case accepted, rejected }

    /// A property that did not hold for one input.
    struct Violation: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Throws a violation unless `condition` holds.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Violation(message()) }
    }

    /// A hang in a parser shows as this failure, naming the input, rather than as a CI
    /// run that never ends. Generous: the inputs of a target take seconds in a debug build.
    static let hangBound: Duration = .seconds(ProcessInfo.processInfo.environment["SEDIMENT_FUZZ_HANG_SECONDS"].flatMap(Int.init) ?? 600)

    static var scale: Int { ProcessInfo.processInfo.environment["SEDIMENT_FUZZ_SCALE"].flatMap(Int.init) ?? 1 }

    /// Tries `count` inputs of `input` on `body`; records the first few violations with the
    /// input (escaped) and stops there. At least one input must be accepted: the checks
    /// that run on accepted inputs would otherwise pass untried.
    static func run<Value: Sendable>(
        _ target: String, count: Int, input: Generator<Value, some Sequence>,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: @escaping @Sendable (Value) throws -> Outcome
    ) async {
        let seed = ProcessInfo.processInfo.environment["SEDIMENT_FUZZ_SEED"].flatMap(UInt64.init) ?? stableHash(target)
        let total = count * scale
        let progress = Progress()
        let outcome = Rendezvous<Tally?>()
        let timer = Task {
            try await Task.sleep(for: hangBound)
            outcome.resume(nil)
        }
        Thread.detachNewThread {
            var rng = random(seed)
            var tally = Tally()
            for index in 0..<total {
                let value = input.run(using: &rng)
                progress.set(index)
                do {
                    switch try body(value) {
                    case .accepted: tally.accepted += 1
                    case .rejected: tally.rejected += 1
                    }
                } catch {
                    tally.violations.append("\(target): input \(index) of seed \(seed): \(error)\n  input: \(describe(value))")
                    if tally.violations.count == 3 { break }
                }
            }
            outcome.resume(tally)
        }
        let finished = await outcome.value
        timer.cancel()
        guard let finished else {
            // The inputs are the seed's: draw them again up to the one that hangs.
            var rng = random(seed)
            for _ in 0..<progress.current { _ = input.run(using: &rng) }
            let value = input.run(using: &rng)
            Issue.record(
                "\(target): input \(progress.current) of seed \(seed) got no answer within \(hangBound)\n  input: \(describe(value))",
                sourceLocation: sourceLocation)
            return
        }
        for violation in finished.violations {
            Issue.record("\(violation)", sourceLocation: sourceLocation)
        }
        if finished.accepted == 0 {
            Issue.record(
                "\(target): none of \(finished.rejected) inputs accepted: the generator never reaches what the accepted inputs check",
                sourceLocation: sourceLocation)
        }
        let tried = finished.accepted + finished.rejected
        print("fuzz: \(target): \(tried) inputs tried (\(finished.accepted) accepted, \(finished.rejected) rejected), seed \(seed)")
    }

    private static func random(_ seed: UInt64) -> Xoshiro {
        Xoshiro(seed: (seed, seed ^ 0x9E37_79B9_7F4A_7C15, ~seed, seed &* 0xBF58_476D_1CE4_E5B9))
    }

    /// The input as a Swift literal would show it: control characters, quotes and bytes
    /// that are not UTF-8 escaped, so that a failure can be pasted into a regression test.
    static func describe(_ value: Any) -> String {
        switch value {
        case let bytes as [UInt8]:
            if let text = String(validating: bytes, as: UTF8.self) { return "utf8 " + String(reflecting: text) }
            return "bytes " + bytes.map { String($0) }.joined(separator: ",")
        case let text as String:
            return String(reflecting: text)
        default:
            return String(reflecting: value)
        }
    }

    /// FNV-1a: the same seed for a target name on every run and machine (`Hasher` is not).
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    private struct Tally: Sendable {
        var accepted = 0
        var rejected = 0
        var violations: [String] = []
    }

    private final class Progress: @unchecked Sendable {
        // @unchecked: `index` is guarded by `lock`.
        private let lock = NSLock()
        private var index = 0
        func set(_ value: Int) { lock.withLock { index = value } }
        var current: Int { lock.withLock { index } }
    }

    /// A value handed over once, from a thread or a timer, to one waiting task.
    private final class Rendezvous<T: Sendable>: @unchecked Sendable {
        // @unchecked: `result` and `waiter` are guarded by `lock`.
        private let lock = NSLock()
        private var result: T?
        private var waiter: CheckedContinuation<T, Never>?
        private var done = false

        func resume(_ value: T) {
            let waiting = lock.withLock { () -> CheckedContinuation<T, Never>? in
                guard !done else { return nil }
                done = true
                result = value
                defer { waiter = nil }
                return waiter
            }
            waiting?.resume(returning: value)
        }

        var value: T {
            get async {
                await withCheckedContinuation { continuation in
                    let ready = lock.withLock { () -> T? in
                        if done { return result }
                        waiter = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
        }
    }
}
