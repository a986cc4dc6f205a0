import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One run of a hook's command: `/bin/sh -c LINE sediment-hook`, or a program and its
/// arguments (looked up on `PATH` without a `/`), spawned with `posix_spawn` so that the
/// child
///
/// - leads a process group of its own: a terminal's Ctrl-C (SIGINT to the foreground
///   group) reaches Sediment, which lets the hook finish, and not the hook itself; a
///   stop signals the whole group (the shell and what it started);
/// - starts with every signal at its default action and none blocked (Sediment traps
///   SIGTERM and SIGINT, and an ignored signal would stay ignored across `exec`);
/// - inherits no descriptor but 0, 1 and 2 (none of the index's, the locks' or Kafka's).
///
/// Its stdin and stderr are unlinked temporary files: the manifest is written before the
/// command starts, so a command that never reads it cannot block Sediment, and stderr is
/// read back after the end for its tail. stdout goes to Sediment's stderr, keeping
/// Sediment's own stdout (`--json`) clean.
final class HookProcess: Sendable {
    enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        var succeeded: Bool { self == .exited(0) }

        var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: pid_t
    private let stderr: TemporaryFile
    /// When a stop was asked for: SIGTERM then, SIGKILL `killAfter` later.
    private let stopAt = Mutex<ContinuousClock.Instant?>(nil)
    private let signaled = Atomic<Bool>(false)
    private static let killAfter: Duration = .seconds(5)
    /// The most of stderr kept as the error of a failed run.
    static let stderrTail = 2048

    private init(pid: pid_t, stderr: TemporaryFile) {
        self.pid = pid
        self.stderr = stderr
    }

    /// Starts `command` with `input` on its stdin.
    static func start(command: WindowHook.Command, environment: [String: String], input: Data) throws -> HookProcess {
        let stdin = try TemporaryFile(holding: input)
        let stderr = try TemporaryFile(holding: Data())
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // In this order: stdout takes Sediment's stderr before stderr is replaced.
        posix_spawn_file_actions_adddup2(&actions, stdin.descriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.descriptor, 2)
        // What Foundation's Process does on Linux, which has no POSIX_SPAWN_CLOEXEC_DEFAULT:
        // close what is open now (a descriptor closed meanwhile is ignored by glibc).
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)

        let words: [String]
        switch command {
        case .shell(let line): words = ["/bin/sh", "-c", line, "sediment-hook"]
        case .command(let list): words = list
        }
        guard let program = words.first else { throw SedimentError(.invalidArgument, "the hook's command is empty") }
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") }
        defer { (arguments + variables).forEach { free($0) } }
        var pid: pid_t = 0
        // posix_spawnp looks a program without a `/` up on Sediment's own PATH.
        let result = (arguments + [nil]).withUnsafeBufferPointer { argv in
            (variables + [nil]).withUnsafeBufferPointer { envp in
                posix_spawnp(&pid, program, &actions, &attributes, argv.baseAddress!, envp.baseAddress!)
            }
        }
        guard result == 0 else {
            throw SedimentError(.io, "cannot start the hook \(command): \(String(cString: strerror(result)))")
        }
        return HookProcess(pid: pid, stderr: stderr)
    }

    /// Asks the command to stop after `grace`: SIGTERM to its process group then, SIGKILL
    /// 5 s later if it is still there. An earlier request stands.
    func stop(after grace: Duration) {
        let at = ContinuousClock.now + grace
        stopAt.withLock { $0 = min($0 ?? at, at) }
    }

    /// Whether the command was sent SIGTERM after `stop(after:)`: its end is the stop's.
    var wasStopped: Bool { signaled.load(ordering: .acquiring) }

    /// Waits for the end, on a thread of its own (a hook may run for long, and a task
    /// cancelled meanwhile must still see it end).
    func termination() async -> Termination {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: self.waitForExit()) }
            thread.name = "sediment-hook-wait"
            thread.start()
        }
    }

    /// The tail of what the command wrote to stderr, as text.
    func stderrText() -> String {
        String(decoding: stderr.tail(Self.stderrTail), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func waitForExit() -> Termination {
        var status: Int32 = 0
        var terminated: ContinuousClock.Instant?
        var killed = false
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // WIFEXITED and WEXITSTATUS are macros Swift does not import.
                let signal = status & 0x7F
                return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
            }
            if reaped < 0 && errno != EINTR { return .exited(-1) }
            let now = ContinuousClock.now
            if terminated == nil, let at = stopAt.withLock({ $0 }), now >= at {
                signaled.store(true, ordering: .releasing)
                kill(-pid, SIGTERM)
                terminated = now
            } else if let terminated, !killed, now >= terminated + Self.killAfter {
                kill(-pid, SIGKILL)
                killed = true
            }
            usleep(10_000)
        }
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }
}

/// A file with no name: created in `$TMPDIR` (default `/tmp`) and unlinked at once, so
/// that nothing is left behind whatever happens; closed on deinit.
final class TemporaryFile: Sendable {
    let descriptor: Int32

    init(holding data: Data) throws {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/sediment-hook-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw SedimentError(.io, "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
        try data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw SedimentError(.io, "cannot write a temporary file in \(directory): \(String(cString: strerror(errno)))")
                }
                done += written
            }
        }
        lseek(descriptor, 0, SEEK_SET)
    }

    /// The last `count` bytes.
    func tail(_ count: Int) -> [UInt8] {
        let size = Int(lseek(descriptor, 0, SEEK_END))
        guard size > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: min(count, size))
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(size - $0.count)) }
        return Array(bytes.prefix(max(0, read)))
    }

    deinit { close(descriptor) }
}
