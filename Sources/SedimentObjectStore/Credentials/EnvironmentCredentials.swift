import Foundation
import Logging
import Synchronization

/// Credentials from environment variables (`Credentials.fromEnvironment`), read again
/// before every request: Tencent Cloud's function runtime (SCF) replaces the temporary
/// keys of an instance that keeps running. Variables that vanish or become half set keep
/// the last good credentials, with one warning that names variables, never values.
public final class EnvironmentCredentials: CredentialsProvider {
    public let flavor: ObjectTarget.Flavor
    private let environment: @Sendable () -> [String: String]
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var last: Credentials
        /// Whether the current trouble has been logged: once per spell, not per request.
        var warned = false
    }

    /// Nil when the environment holds no credentials for `flavor` now; an error when it
    /// holds half a pair.
    public init?(
        flavor: ObjectTarget.Flavor,
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        logger: Logger
    ) throws {
        guard let found = try Credentials.fromEnvironment(for: flavor, environment: environment()) else { return nil }
        self.flavor = flavor
        self.environment = environment
        self.logger = logger
        state = Mutex(State(last: found))
    }

    public func credentials() -> Credentials {
        let read = Result { try Credentials.fromEnvironment(for: flavor, environment: environment()) }
        return state.withLock { state in
            switch read {
            case .success(let found?):
                state.last = found
                state.warned = false
            case .success(nil):
                warn(&state, "the environment no longer holds credentials")
            case .failure(let error):
                warn(&state, "\(error)")
            }
            return state.last
        }
    }

    public func refresh(rejected: Credentials) -> Credentials { credentials() }

    private func warn(_ state: inout State, _ why: String) {
        guard !state.warned else { return }
        state.warned = true
        logger.warning("keeping the last credentials read from the environment: \(why)")
    }
}
