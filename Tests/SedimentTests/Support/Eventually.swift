import Foundation

/// Waits, without blocking a thread of the cooperative pool, until `condition` holds;
/// throws (failing the test) after `timeout`. Generous: in the whole suite, on two cores,
/// a librdkafka consumer that cannot reach its broker was seen taking 24 s to close.
func eventually(_ what: String, timeout: Duration = .seconds(300), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw CLIProcess.Failure(description: "timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Polls `condition` every 50 ms for up to `timeout`; failing to see it true fails the test.
/// Blocks its thread: for synchronous tests; an async test awaits `eventually`.
func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw CLIProcess.Failure(description: "timed out waiting until \(what)") }
        Thread.sleep(forTimeInterval: 0.05)
    }
}
