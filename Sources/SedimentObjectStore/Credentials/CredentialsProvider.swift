/// Where a store's credentials come from. An HTTP store asks before signing each request,
/// so that credentials which change while a process runs (a rewritten credentials file, a
/// helper's new session token, variables a function runtime replaces) are used from the
/// next request on, without a restart.
///
/// Providers never put a secret into what they log or throw.
public protocol CredentialsProvider: Sendable {
    /// The credentials to sign the next request with. Called for every request, so cheap
    /// when nothing changed.
    func credentials() async throws -> Credentials

    /// Called when the store refused `rejected` as expired or unknown: reads the source
    /// again whatever its cache says. The store retries the request once, and only if the
    /// answer differs from `rejected`.
    func refresh(rejected: Credentials) async throws -> Credentials
}

/// A fixed key pair is its own provider: nothing to read again, so a refused request is
/// not retried.
extension Credentials: CredentialsProvider {
    public func credentials() -> Credentials { self }

    public func refresh(rejected: Credentials) -> Credentials { self }
}
