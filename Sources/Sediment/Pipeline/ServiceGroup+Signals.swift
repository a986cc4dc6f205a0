import Logging
import ServiceLifecycle
import UnixSignals

extension ServiceGroup {
    /// Runs `services` in one group until the first of `signals`, which starts a graceful
    /// shutdown; a second one goes to `onSecondSignal`. One signal sequence watches both,
    /// trapped before the group starts, so that no signal falls between two handlers.
    /// Services stop in reverse order: list the ones that must outlive the others (an HTTP
    /// server) last. A service with `stopsGroup` ending by itself shuts the group down.
    public static func run(
        _ services: [(service: any Service, stopsGroup: Bool)], stoppingOn signals: [UnixSignal],
        onSecondSignal: (@Sendable (UnixSignal) -> Void)?, logger: Logger
    ) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.reversed().map { entry in
                entry.stopsGroup ? .init(service: entry.service, successTerminationBehavior: .gracefullyShutdownGroup) : .init(service: entry.service)
            },
            gracefulShutdownSignals: [], logger: logger))
        let trapped = await UnixSignalsSequence(trapping: signals)
        let watcher = Task {
            var seen = 0
            for await signal in trapped {
                seen += 1
                if seen == 1 {
                    await group.triggerGracefulShutdown()
                } else {
                    onSecondSignal?(signal)
                }
            }
        }
        defer { watcher.cancel() }
        try await group.run()
    }
}
