import Foundation

/// What one profile of a credentials file gives: a key pair, or a command that prints one.
///
/// The file is INI, as `~/.aws/credentials`:
///
///     [profile]                  (or [profile name])
///     access_key_id = ...        (or aws_access_key_id, secret_id)
///     secret_access_key = ...    (or aws_secret_access_key, secret_key)
///     session_token = ...        (optional; or aws_session_token)
///     credential_process = CMD   (instead of the keys: see `CredentialProcess`)
///
/// Keys win over `credential_process` in a profile holding both, as in the AWS SDKs.
enum CredentialsProfile: Sendable, Equatable {
    case keys(Credentials)
    case process(command: String)

    /// Errors name `source`, the profile and the missing field, never a value.
    static func parse(_ text: String, profile: String, source: String) throws -> CredentialsProfile {
        guard let values = settings(in: text, profile: profile) else {
            throw ObjectStoreError(.missingCredentials, message: "no profile [\(profile)] in \(source)")
        }
        func first(_ names: String...) -> String? {
            names.lazy.compactMap { values[$0] }.first { !$0.isEmpty }
        }
        guard let id = first("access_key_id", "aws_access_key_id", "secret_id") else {
            if let command = first("credential_process") { return .process(command: command) }
            throw ObjectStoreError(
                .missingCredentials, message: "no access_key_id or credential_process in profile [\(profile)] of \(source)")
        }
        guard let secret = first("secret_access_key", "aws_secret_access_key", "secret_key") else {
            throw ObjectStoreError(.missingCredentials, message: "no secret_access_key in profile [\(profile)] of \(source)")
        }
        return .keys(Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: first("session_token", "aws_session_token")))
    }

    /// The `name = value` lines of `profile`, names lowercased; nil if there is no such section.
    private static func settings(in text: String, profile: String) -> [String: String]? {
        var section: String?
        var values: [String: String]?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                section = name
                if name == profile, values == nil { values = [:] }
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values?[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}
