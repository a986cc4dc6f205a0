import Crypto
import Foundation

/// COS's own request signature (`q-sign-algorithm=sha1`), as a pure function.
///
/// From the COS "Request Signature" document: SignKey = HMAC-SHA1(SecretKey, KeyTime);
/// HttpString = method, decoded path, sorted encoded params, sorted encoded headers,
/// each followed by a newline; StringToSign = `sha1\nKeyTime\nSHA1(HttpString)\n`;
/// Signature = HMAC-SHA1(SignKey, StringToSign), all in lowercase hex.
public struct COSSigner: Sendable {
    public var credentials: Credentials

    public init(credentials: Credentials) {
        self.credentials = credentials
    }

    public struct Signature: Sendable {
        public var signKey: String
        public var httpString: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
    }

    /// Signs every header and query parameter given. `path` is the decoded path
    /// (`/exampleobject(腾讯云)`), not the percent-encoded one sent on the wire.
    public func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], keyTime: String
    ) -> Signature {
        let (paramList, parameters) = Self.canonical(query)
        let (headerList, httpHeaders) = Self.canonical(headers)
        let signKey = Self.hmacSHA1(key: Data(credentials.secretAccessKey.utf8), keyTime)
        let httpString = "\(method.lowercased())\n\(path)\n\(parameters)\n\(httpHeaders)\n"
        let stringToSign = "sha1\n\(keyTime)\n\(Data(Insecure.SHA1.hash(data: Data(httpString.utf8))).hexString)\n"
        let signature = Self.hmacSHA1(key: Data(signKey.utf8), stringToSign)
        let authorization = [
            "q-sign-algorithm=sha1", "q-ak=\(credentials.accessKeyID)", "q-sign-time=\(keyTime)",
            "q-key-time=\(keyTime)", "q-header-list=\(headerList)", "q-url-param-list=\(paramList)",
            "q-signature=\(signature)",
        ].joined(separator: "&")
        return Signature(
            signKey: signKey, httpString: httpString, stringToSign: stringToSign, signature: signature,
            authorization: authorization)
    }

    /// `start;end` in Unix seconds: valid from a minute ago (clock skew) for `lifetime`.
    public static func keyTime(now: Date, lifetime: TimeInterval = 3600) -> String {
        let start = Int(now.timeIntervalSince1970) - 60
        return "\(start);\(start + 60 + Int(lifetime))"
    }

    /// Keys lowercased and encoded, values encoded, sorted by key: (`k1;k2`, `k1=v1&k2=v2`).
    static func canonical(_ items: [(String, String)]) -> (String, String) {
        let pairs = items.map { (URIEncoding.encode($0.0.lowercased()).lowercased(), URIEncoding.encode($0.1)) }
            .sorted { $0.0 < $1.0 }
        return (pairs.map(\.0).joined(separator: ";"), pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
    }

    static func hmacSHA1(key: Data, _ message: String) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key))).hexString
    }
}
