import Foundation
import Synchronization
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An AWS-style `credential_process`: a command, run through `/bin/sh -c`, that prints
/// credentials as JSON (`CredentialProcessOutput`).
///
/// Its answer is kept until shortly before its `Expiration` (five minutes, or half the
/// remaining lifetime if that is shorter), then the command runs again; an answer without
/// one is kept until the store refuses it. Concurrent requests share one run. If a run
/// fails while the last answer has not expired yet, that answer goes on signing, with a
/// warning. The command's standard error is passed through (what it says about its own
/// failure reaches the operator, as with the AWS CLI); its standard output never appears
/// in a log or an error.
public actor CredentialProcess: CredentialsProvider {
    public nonisolated let command: String
    /// Where the command is configured, for errors: `profile [name] of FILE`.
    public nonisolated let origin: String
    /// How long one run may take before it is terminated.
    public nonisolated let timeout: Duration
    private let logger: Logger
    private let now: @Sendable () -> Date
    private var issued: Issued?
    private var running: Task<Issued, any Error>?

    private struct Issued: Sendable {
        var credentials: Credentials
        var expiration: Date?
        var refreshAt: Date?
    }

    /// The longest a command's output may be.
    static let outputLimit = 64 << 10

    public init(
        command: String, origin: String, timeout: Duration = .seconds(60), logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.command = command
        self.origin = origin
        self.timeout = timeout
        self.logger = logger
        self.now = now
    }

    public func credentials() async throws -> Credentials {
        if let issued, issued.refreshAt.map({ now() < $0 }) ?? true { return issued.credentials }
        return try await run()
    }

    public func refresh(rejected: Credentials) async throws -> Credentials {
        // Another request may have run the command since this one was signed.
        if let issued, issued.credentials != rejected { return issued.credentials }
        return try await run()
    }

    private func run() async throws -> Credentials {
        let task: Task<Issued, any Error>
        if let running {
            task = running
        } else {
            let (command, origin, timeout, now) = (command, origin, timeout, now)
            // On a thread of its own rather than the blocking pool: a helper may take
            // seconds, and the pool's few threads serve the index and the files.
            task = Task {
                try await withCheckedThrowingContinuation { continuation in
                    Thread.detachNewThread {
                        continuation.resume(with: Result { try Self.execute(command, origin: origin, timeout: timeout, now: now()) })
                    }
                }
            }
            running = task
        }
        do {
            let fresh = try await task.value
            if running == task { running = nil }
            issued = fresh
            return fresh.credentials
        } catch {
            if running == task { running = nil }
            if let issued, let expiration = issued.expiration, now() < expiration {
                logger.warning("keeping credentials valid until \(expiration): \(error)")
                return issued.credentials
            }
            throw error
        }
    }

    /// Runs the command once and reads its answer; blocks until it exits.
    private static func execute(_ command: String, origin: String, timeout: Duration, now: Date) throws -> Issued {
        func failure(_ what: String) -> ObjectStoreError {
            ObjectStoreError(.missingCredentials, message: "credential_process of \(origin) (`\(command)`) \(what)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw failure("cannot be started: \(error.localizedDescription)")
        }
        // Foundation starts the child in a process group of its own: killing the group
        // takes whatever the shell started too, which would otherwise hold the output
        // pipe open and keep the read below waiting.
        let group = -process.processIdentifier
        let started = ContinuousClock.now
        // A thread of its own, not a global queue's timer: on a busy process the global
        // queue's threads can all be taken, and a timer there fired minutes late.
        let finished = ProcessFinished()
        let deadline = started + timeout
        Thread.detachNewThread {
            while !finished.isSet, ContinuousClock.now < deadline {
                let left = deadline - ContinuousClock.now
                Thread.sleep(forTimeInterval: min(0.05, max(0.001, Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)))
            }
            if !finished.isSet { kill(group, SIGKILL) }
        }
        var data = Data()
        let reader = output.fileHandleForReading
        while let chunk = try? reader.read(upToCount: 16 << 10), !chunk.isEmpty {
            data += chunk
            if data.count > outputLimit {
                kill(group, SIGKILL)
                break
            }
        }
        process.waitUntilExit()
        finished.set()
        try? reader.close()

        if process.terminationReason == .uncaughtSignal {
            if ContinuousClock.now - started >= timeout { throw failure("did not finish within \(timeout)") }
            if data.count > outputLimit { throw failure("printed more than \(outputLimit) bytes") }
            throw failure("was killed by signal \(process.terminationStatus)")
        }
        guard process.terminationStatus == 0 else { throw failure("exited with status \(process.terminationStatus)") }
        let parsed: CredentialProcessOutput
        do {
            parsed = try CredentialProcessOutput(parsing: data)
        } catch {
            throw failure(error.reason)
        }
        var issued = Issued(credentials: parsed.credentials, expiration: parsed.expiration)
        if let expiration = parsed.expiration {
            let margin = min(300, max(0, expiration.timeIntervalSince(now)) / 2)
            issued.refreshAt = expiration.addingTimeInterval(-margin)
        }
        return issued
    }
}

/// Set once the helper has exited, so that its timeout thread kills nothing.
private final class ProcessFinished: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func set() { flag.store(true, ordering: .releasing) }
}
