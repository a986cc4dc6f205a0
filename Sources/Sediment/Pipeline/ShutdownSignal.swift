import UnixSignals

/// Returns once one of `signals` arrives: for a command that serves until it is stopped
/// (`mock-cluster`). The signals are trapped from the call on, so their default action
/// (ending the process) no longer applies.
public func waitForShutdownSignal(_ signals: [UnixSignal] = [.sigterm, .sigint]) async {
    for await _ in await UnixSignalsSequence(trapping: signals) { return }
}
