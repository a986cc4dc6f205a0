import ArgumentParser
import Sediment

/// `--on-window CMD` and `--hook-retries N`, for the commands that write windows (`dump`,
/// `compact`).
struct HookOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A command run through /bin/sh -c once per window file, after it is written (and uploaded, with --target): the window's manifest as JSON on stdin, its fields in SEDIMENT_* variables (SEDIMENT_WINDOW_PATH, SEDIMENT_WINDOW_KEY, SEDIMENT_TOPIC, SEDIMENT_WINDOW_START, SEDIMENT_ATTEMPT...; see the README). Exit 0 records it done: it never runs again for that window.",
        valueName: "command"))
    var onWindow: String?

    @Option(help: ArgumentHelp(
        "Retries of a failed hook, 2 s apart and doubling up to 5 min, before the window's hook is recorded as failed (retried again at the next start).",
        valueName: "count"))
    var hookRetries = 5

    /// The hook, nil without --on-window.
    func hook() throws -> WindowHook? {
        guard let onWindow else { return nil }
        var hook = WindowHook(command: onWindow)
        hook.retries = hookRetries
        try hook.validate()
        return hook
    }
}

func describe(_ summary: HookSummary) -> String {
    var line = "hooks: \(summary.done) done, \(summary.failed) failed"
    if summary.retried > 0 { line += " (\(summary.retried) runs retried)" }
    if summary.pending > 0 { line += ", \(summary.pending) pending" }
    return line
}
