import Foundation

extension Credentials {
    /// Credentials for `flavor` from environment variables.
    ///
    /// COS: `COS_SECRET_ID`/`COS_SECRET_KEY` (then `TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY`),
    /// token from `COS_SESSION_TOKEN` or `TENCENTCLOUD_SESSION_TOKEN`.
    /// S3: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, token from `AWS_SESSION_TOKEN`.
    /// Returns nil when the pair is absent; a half-set pair is an error.
    public static func fromEnvironment(
        for flavor: ObjectTarget.Flavor, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Credentials? {
        let sets = environmentSets(for: flavor)
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        for set in sets {
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

    /// The variables `fromEnvironment` reads, in the order it tries them.
    static func environmentSets(for flavor: ObjectTarget.Flavor) -> [(id: String, secret: String, tokens: [String])] {
        switch flavor {
        case .cos:
            return [
                ("COS_SECRET_ID", "COS_SECRET_KEY", ["COS_SESSION_TOKEN", "TENCENTCLOUD_SESSION_TOKEN"]),
                ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", ["TENCENTCLOUD_SESSION_TOKEN", "COS_SESSION_TOKEN"]),
            ]
        case .s3:
            return [("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", ["AWS_SESSION_TOKEN"])]
        case .file:
            return []
        }
    }

    /// Every environment variable that may hold a store's credentials for Sediment: what
    /// a child process (a window hook) is not given.
    public static let environmentVariableNames: Set<String> = Set(
        [ObjectTarget.Flavor.cos, .s3].flatMap { environmentSets(for: $0) }.flatMap { [$0.id, $0.secret] + $0.tokens })

    /// Credentials from an INI file like `~/.aws/credentials`:
    ///
    ///     [profile]
    ///     access_key_id = ...        (or aws_access_key_id, secret_id)
    ///     secret_access_key = ...    (or aws_secret_access_key, secret_key)
    ///     session_token = ...        (optional; or aws_session_token)
    public static func fromFile(path: String, profile: String = "default") throws -> Credentials {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ObjectStoreError(.missingCredentials, message: "cannot read credentials file \(path)")
        }
        return try parseINI(text, profile: profile, source: path)
    }

    static func parseINI(_ text: String, profile: String, source: String) throws -> Credentials {
        var section: String?
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                section = name
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            values[key] = value
        }
        func first(_ names: String...) -> String? {
            names.lazy.compactMap { values[$0] }.first { !$0.isEmpty }
        }
        // Errors name the file, the profile and the missing field, never a value.
        guard let id = first("access_key_id", "aws_access_key_id", "secret_id") else {
            throw ObjectStoreError(.missingCredentials, message: "no access_key_id in profile [\(profile)] of \(source)")
        }
        guard let secret = first("secret_access_key", "aws_secret_access_key", "secret_key") else {
            throw ObjectStoreError(.missingCredentials, message: "no secret_access_key in profile [\(profile)] of \(source)")
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: first("session_token", "aws_session_token"))
    }
}
