import Foundation
import Logging
import Synchronization

/// One profile of a credentials file (`CredentialsProfile`), read again whenever the file
/// changes: a long run goes on with keys rotated under it.
///
/// Before each request the file is `stat`ed (`FileStamp`: one system call); a new stamp
/// means reading and parsing it again. A file that cannot be used (half written, the
/// profile gone, unreadable) keeps the last good credentials and logs one warning per
/// version of the file, naming the file and the profile, never a value. A profile with
/// `credential_process` is answered by its `CredentialProcess`, kept across rereads while
/// the command stays the same, so that its cached answer survives unrelated edits.
public final class CredentialsFile: CredentialsProvider {
    public let path: String
    public let profile: String
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var stamp: FileStamp?
        var source: any CredentialsProvider
        /// The version of the file last warned about (nil inside: a file gone).
        var warned: FileStamp??
    }

    /// Reads the file now: a file that cannot be read, or has no usable `profile`, is an
    /// error here rather than at the first request.
    public init(path: String, profile: String = "default", logger: Logger) throws {
        self.path = path
        self.profile = profile
        self.logger = logger
        let stamp = FileStamp(path: path)
        let parsed = try Self.read(path: path, profile: profile)
        if let warning = FilePermissions.warning(for: path, holding: "credentials") { logger.warning("\(warning)") }
        state = Mutex(State(stamp: stamp, source: Self.source(parsed, path: path, profile: profile, reusing: nil, logger: logger)))
    }

    public func credentials() async throws -> Credentials {
        try await current(forced: false).credentials()
    }

    public func refresh(rejected: Credentials) async throws -> Credentials {
        try await current(forced: true).refresh(rejected: rejected)
    }

    /// The profile's source, read again if the file changed, or in any case when `forced`.
    /// The file is small and read only when it changed: reading it here, rather than on
    /// the blocking pool, costs less than the hop.
    private func current(forced: Bool) -> any CredentialsProvider {
        let stamp = FileStamp(path: path)
        return state.withLock { state in
            guard forced || stamp != state.stamp else { return state.source }
            do {
                let parsed = try Self.read(path: path, profile: profile)
                state.source = Self.source(parsed, path: path, profile: profile, reusing: state.source, logger: logger)
                state.stamp = stamp
            } catch {
                // The stamp is left as it was: the next request reads the file again, and
                // a writer that finishes is picked up then.
                if state.warned != .some(stamp) {
                    state.warned = .some(stamp)
                    logger.warning("credentials file changed but cannot be used; keeping the last good credentials: \(error)")
                }
            }
            return state.source
        }
    }

    private static func read(path: String, profile: String) throws -> CredentialsProfile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ObjectStoreError(.missingCredentials, message: "cannot read credentials file \(path)")
        }
        return try CredentialsProfile.parse(text, profile: profile, source: path)
    }

    private static func source(
        _ parsed: CredentialsProfile, path: String, profile: String, reusing old: (any CredentialsProvider)?, logger: Logger
    ) -> any CredentialsProvider {
        switch parsed {
        case .keys(let credentials):
            return credentials
        case .process(let command):
            if let old = old as? CredentialProcess, old.command == command { return old }
            return CredentialProcess(command: command, origin: "profile [\(profile)] of \(path)", logger: logger)
        }
    }
}
