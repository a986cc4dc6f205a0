/// Where one window file stands with the hook (`window_hooks.state`).
///
///     (none) ──► running ──► done
///        ▲          │
///        │          ▼
///     pending ◄── failed run, retries left ──► failed (none left)
///
/// `running` is written before the command starts, so a row found `running` by the next
/// process was cut short by a crash: it runs again, with one more attempt counted.
public enum HookState: String, Sendable, Codable, CaseIterable {
    /// Never tried (no row: counted by `status`, never written as such), waiting for a
    /// retry, or stopped by a graceful shutdown.
    case pending
    case running
    /// The command exited 0: the window's hook never runs again.
    case done
    /// Every retry failed; the last error is recorded. A new series of retries starts
    /// when the next process with a hook starts.
    case failed
}
