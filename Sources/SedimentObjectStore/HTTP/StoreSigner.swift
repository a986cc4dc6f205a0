import Crypto
import Foundation

/// The signature a target's flavor uses, applied to an addressed request with the
/// credentials of the moment (they may change between requests: `CredentialsProvider`).
enum StoreSigner: Sendable {
    case sigV4(region: String)
    case cos

    /// `x-amz-` or `x-cos-`: the prefix of the flavor's own headers.
    var headerPrefix: String {
        switch self {
        case .sigV4: return "x-amz-"
        case .cos: return "x-cos-"
        }
    }

    /// Adds the authentication headers to `headers` (which already holds `host`).
    ///
    /// SigV4 signs every header passed and the body's SHA-256. COS signs `host`, the
    /// content headers and the `x-cos-*` ones (its documentation's recommendation),
    /// including `content-length`, which AsyncHTTPClient sends with the same value.
    func sign(
        method: String, encodedPath: String, decodedPath: String, query: [(String, String)],
        headers: inout [(String, String)], body: StoreRequest.Body, bodyLength: Int64, credentials: Credentials, now: Date
    ) {
        switch self {
        case .sigV4(let region):
            let signer = SigV4Signer(credentials: credentials, region: region)
            let payloadHash: String
            switch body {
            case .none: payloadHash = Self.emptySHA256
            case .data(let data): payloadHash = Data(SHA256.hash(data: data)).hexString
            case .payload(let payload): payloadHash = payload.signedPayloadHash
            }
            let signature = signer.sign(
                method: method, encodedPath: encodedPath, query: query, headers: &headers,
                payloadHash: payloadHash, date: now)
            headers.append(("authorization", signature.authorization))
        case .cos:
            if let token = credentials.sessionToken {
                headers.append(("x-cos-security-token", token))
            }
            var signed = headers.filter { name, _ in
                let name = name.lowercased()
                return name == "host" || name == "content-md5" || name == "content-type" || name.hasPrefix("x-cos-")
            }
            if bodyLength > 0 || method == "PUT" || method == "POST" {
                signed.append(("content-length", String(bodyLength)))
            }
            let signature = COSSigner(credentials: credentials).sign(
                method: method, path: decodedPath, query: query, headers: signed,
                keyTime: COSSigner.keyTime(now: now))
            headers.append(("authorization", signature.authorization))
        }
    }

    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
