import Foundation

extension CLIProcess {
    /// The `http://127.0.0.1:PORT` a `serve`, `dump --http` or `run --http` process says on
    /// stderr it serves on, once it does (port 0 picks a free one).
    func servingAddress(timeout: Duration = .seconds(60)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, isRunning {
            if let found = stderrSoFar.firstMatch(of: /serving (http:\/\/127\.0\.0\.1:\d+)\//) { return String(found.1) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CLIProcess.Failure(description: "no serving address on stderr: \(stderrSoFar)")
    }
}
