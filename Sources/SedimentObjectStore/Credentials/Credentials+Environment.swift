import Foundation

extension Credentials {
    /// The variables read for `flavor`, in order of precedence: the first pair set wins, and
    /// its token comes from the first of its token variables that is set.
    ///
    /// COS: `COS_SECRET_ID`/`COS_SECRET_KEY`, then `TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY`
    /// (tokens `COS_SESSION_TOKEN`, `TENCENTCLOUD_SESSION_TOKEN`), then the ones Tencent
    /// Cloud's function runtime (SCF) sets, `TENCENTCLOUD_SECRETID`/`TENCENTCLOUD_SECRETKEY`
    /// with `TENCENTCLOUD_SESSIONTOKEN`: what a user sets wins over what the runtime injects.
    /// S3: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, token `AWS_SESSION_TOKEN`.
    static func environmentVariables(for flavor: ObjectTarget.Flavor) -> [(id: String, secret: String, tokens: [String])] {
        switch flavor {
        case .cos:
            [
                ("COS_SECRET_ID", "COS_SECRET_KEY", ["COS_SESSION_TOKEN", "TENCENTCLOUD_SESSION_TOKEN"]),
                ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", ["TENCENTCLOUD_SESSION_TOKEN", "COS_SESSION_TOKEN"]),
                ("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", ["TENCENTCLOUD_SESSIONTOKEN"]),
            ]
        case .s3: [("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", ["AWS_SESSION_TOKEN"])]
        case .file: []
        }
    }

    /// Every environment variable that may hold a store's credentials for Sediment: what
    /// a child process (a window hook) is not given.
    public static let environmentVariableNames: Set<String> = Set(
        [ObjectTarget.Flavor.cos, .s3].flatMap { environmentVariables(for: $0) }.flatMap { [$0.id, $0.secret] + $0.tokens })

    /// Credentials for `flavor` from environment variables (see `environmentVariables`).
    /// Empty variables count as unset. Returns nil when no pair is set; a half-set pair is
    /// an error that names the variables, never a value.
    public static func fromEnvironment(
        for flavor: ObjectTarget.Flavor, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Credentials? {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        for set in environmentVariables(for: flavor) {
            switch (value(set.id), value(set.secret)) {
            case let (id?, secret?):
                let token = set.tokens.lazy.compactMap(value).first
                return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
            case (_?, nil):
                throw ObjectStoreError(.missingCredentials, message: "\(set.id) is set but \(set.secret) is not")
            case (nil, _?):
                throw ObjectStoreError(.missingCredentials, message: "\(set.secret) is set but \(set.id) is not")
            case (nil, nil):
                continue
            }
        }
        return nil
    }
}
