import Foundation

/// What a `credential_process` command prints on standard output, as the AWS CLI
/// specifies it:
///
///     {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
///      "SessionToken": "...", "Expiration": "2026-12-01T10:00:00Z"}
///
/// `SessionToken` and `Expiration` (ISO-8601) are optional; no expiration means the
/// credentials do not expire. Errors say what is wrong, never quote the output: it holds
/// the secret.
struct CredentialProcessOutput: Sendable {
    var credentials: Credentials
    var expiration: Date?

    struct Refusal: Error {
        var reason: String
    }

    init(parsing data: Data) throws(Refusal) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Refusal(reason: "did not print a JSON object")
        }
        guard let version = object["Version"] as? Int, version == 1 else {
            throw Refusal(reason: "printed no \"Version\": 1 (the only version there is)")
        }
        func string(_ name: String) throws(Refusal) -> String? {
            guard let value = object[name], !(value is NSNull) else { return nil }
            guard let text = value as? String, !text.isEmpty else { throw Refusal(reason: "printed a \"\(name)\" that is not a string") }
            return text
        }
        guard let id = try string("AccessKeyId"), let secret = try string("SecretAccessKey") else {
            throw Refusal(reason: "printed no \"AccessKeyId\" and \"SecretAccessKey\"")
        }
        credentials = Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: try string("SessionToken"))
        if let text = try string("Expiration") {
            guard let date = RFC3339.date(text) else {
                throw Refusal(reason: "printed an \"Expiration\" that is not an ISO-8601 time")
            }
            expiration = date
        }
    }
}
