import Foundation
import Logging

extension ObjectTarget {
    /// The store for this target: a directory for `file://`, HTTP with the flavor's
    /// signature otherwise. HTTP targets need credentials (see `Credentials.provider`).
    public func makeStore(
        credentials: (any CredentialsProvider)?, configuration: HTTPObjectStore.Configuration = .init(), logger: Logger
    ) throws -> any ObjectStore {
        switch flavor {
        case .file:
            return try FileObjectStore(target: self)
        case .s3, .cos:
            guard let credentials else {
                throw ObjectStoreError(
                    .missingCredentials, message: "\(self) needs credentials", bucket: bucketDescription)
            }
            return try HTTPObjectStore(target: self, credentials: credentials, configuration: configuration, logger: logger)
        }
    }
}

extension Credentials {
    /// Where `target`'s credentials come from: the environment if it holds a pair now
    /// (`EnvironmentCredentials`, read again before every request), else `file`
    /// (`CredentialsFile`, `profile`, read again whenever it changes). Nil for `file://`;
    /// an error naming the variables to set when an HTTP target has neither.
    public static func provider(
        for target: ObjectTarget, file: String? = nil, profile: String = "default",
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        logger: Logger
    ) throws -> (any CredentialsProvider)? {
        if target.flavor == .file { return nil }
        if let found = try EnvironmentCredentials(flavor: target.flavor, environment: environment, logger: logger) { return found }
        if let file { return try CredentialsFile(path: file, profile: profile, logger: logger) }
        let variables = environmentVariables(for: target.flavor).map { "\($0.id) and \($0.secret)" }
        throw ObjectStoreError(
            .missingCredentials,
            message: "no credentials for \(target): set \(variables.joined(separator: ", or ")), or give a credentials file",
            bucket: target.bucketDescription)
    }
}
