import Foundation
import Logging

extension ObjectTarget {
    /// The store for this target: a directory for `file://`, HTTP with the flavor's
    /// signature otherwise. HTTP targets need credentials (see `Credentials.load`).
    public func makeStore(
        credentials: Credentials?, configuration: HTTPObjectStore.Configuration = .init(), logger: Logger
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
    /// Credentials for `target`: from the environment first, else from `file` (INI,
    /// `profile`). Nil for `file://` targets; an error naming the variables to set
    /// when an HTTP target has none.
    public static func load(
        for target: ObjectTarget, file: String? = nil, profile: String = "default",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Credentials? {
        if target.flavor == .file { return nil }
        if let found = try fromEnvironment(for: target.flavor, environment: environment) { return found }
        if let file { return try fromFile(path: file, profile: profile) }
        let variables = target.flavor == .cos
            ? "COS_SECRET_ID and COS_SECRET_KEY (or TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY)"
            : "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        throw ObjectStoreError(
            .missingCredentials, message: "no credentials for \(target): set \(variables), or give a credentials file",
            bucket: target.bucketDescription)
    }
}
