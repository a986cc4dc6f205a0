import Foundation
import Logging
import SedimentObjectStore

/// Where a store's credentials come from. They are loaded when the store opens, and never
/// appear in logs, errors or what is printed.
public enum CredentialSource: Sendable, Hashable {
    /// The environment's variables for the target's flavor (`AWS_ACCESS_KEY_ID`...,
    /// `COS_SECRET_ID`...).
    case environment
    /// The environment first, else this INI file's profile: the command line's
    /// `--credentials-file` and `--profile`.
    case environmentThenFile(path: String, profile: String)
    /// Only this INI file's profile, whatever the environment holds: a config file's
    /// `credentials-file`, so that tasks with different accounts each get their own.
    case file(path: String, profile: String)

    /// Where the credentials of `target` come from while it is used (read again when the
    /// file or the environment changes); nil for `file://`, an error naming what to set
    /// when an HTTP target has none.
    public func provider(
        for target: ObjectTarget, logger: Logger,
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
    ) throws -> (any CredentialsProvider)? {
        switch self {
        case .environment:
            return try Credentials.provider(for: target, environment: environment, logger: logger)
        case .environmentThenFile(let path, let profile):
            return try Credentials.provider(for: target, file: path, profile: profile, environment: environment, logger: logger)
        case .file(let path, let profile):
            return target.flavor == .file ? nil : try CredentialsFile(path: path, profile: profile, logger: logger)
        }
    }

    /// What the plan prints: where, never what.
    public var summary: String {
        switch self {
        case .environment: "the environment"
        case .environmentThenFile(let path, let profile): "the environment, else [\(profile)] of \(path)"
        case .file(let path, let profile): "[\(profile)] of \(path)"
        }
    }
}
