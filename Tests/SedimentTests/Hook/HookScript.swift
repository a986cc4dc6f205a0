import Foundation
import GRDB
import Testing
@testable import Sediment

/// A hook written by a test: a shell script in a scratch directory that appends one line
/// per run to a log beside it (`|`-separated fields the script chooses), so that the test
/// sees what each run was given.
struct HookScript {
    let path: String
    let log: String

    /// `body` runs with `$LOG` naming the log file.
    init(in scratch: TemporaryDirectory, name: String = "hook.sh", body: String) throws {
        path = scratch.file(name)
        log = scratch.file(name + ".log")
        FileManager.default.createFile(atPath: log, contents: nil)
        try Data("#!/bin/sh\nLOG='\(log)'\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
        guard chmod(path, 0o755) == 0 else { throw CLIProcess.Failure(description: "cannot make \(path) executable") }
    }

    /// The log's lines, each split at `|`.
    func lines() -> [[String]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Waits until the log has `count` lines; a timeout fails the test. Generous, and the
    /// log is read once more past the deadline: in the whole suite on two cores, tests that
    /// wait for processes hold the cooperative pool's threads, and a task may not resume
    /// for a minute.
    func waitForLines(_ count: Int, timeout: Duration = .seconds(300)) async throws -> [[String]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let lines = lines()
            if lines.count >= count { return lines }
            guard ContinuousClock.now < deadline else {
                throw CLIProcess.Failure(description: "\(path) logged \(lines.count) runs in \(timeout), not \(count)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// One row of `window_hooks` with its file.
struct HookRow: Equatable {
    var path: String
    var windowStart: Int64
    var state: String?
    var attempts: Int
    var lastError: String?
}

extension Archive {
    /// Every window file with its hook row, in window order.
    func hookRows() throws -> [HookRow] {
        try index.read { db in
            try Row.fetchAll(db, sql: """
                SELECT f.path, f.window_start, h.state, h.attempts, h.last_error FROM window_files f
                LEFT JOIN window_hooks h ON h.file_id = f.id ORDER BY f.instance, f.topic, f.window_start, f.part
                """
            ).map {
                HookRow(path: $0["path"], windowStart: $0["window_start"], state: $0["state"], attempts: $0["attempts"] ?? 0, lastError: $0["last_error"])
            }
        }
    }
}
