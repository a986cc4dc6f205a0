import Crypto
import Foundation

/// AWS Signature Version 4 as a pure function of the request, the credentials and the clock.
///
/// Works for S3 (service `s3`, which also sends `x-amz-content-sha256`) and, for the
/// published test suite, any other service name. Every header passed in is signed.
public struct SigV4Signer: Sendable {
    public var credentials: Credentials
    public var region: String
    public var service: String

    public init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The intermediate strings, kept so tests can compare them with published ones.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        public var signature: String
        public var authorization: String
    }

    /// Adds `x-amz-date` (and for S3 `x-amz-content-sha256`, and the session token) to
    /// `headers`, then signs them all. `encodedPath` is the path as sent on the wire;
    /// `query` holds decoded names and values. `payloadHash` is the body's SHA-256 hex
    /// or `UNSIGNED-PAYLOAD`.
    public func sign(
        method: String, encodedPath: String, query: [(String, String)], headers: inout [(String, String)],
        payloadHash: String, date: Date
    ) -> Signature {
        let amzDate = Self.timestamp(date)
        let day = String(amzDate.prefix(8))
        func set(_ name: String, _ value: String) {
            headers.removeAll { $0.0.lowercased() == name }
            headers.append((name, value))
        }
        set("x-amz-date", amzDate)
        if service == "s3" { set("x-amz-content-sha256", payloadHash) }
        if let token = credentials.sessionToken { set("x-amz-security-token", token) }

        var canonical: [String: [String]] = [:]
        for (name, value) in headers {
            canonical[name.lowercased(), default: []].append(Self.collapseSpaces(value))
        }
        let names = canonical.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(canonical[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let encodedQuery: [(name: String, value: String)] = query.map { (URIEncoding.encode($0.0), URIEncoding.encode($0.1)) }
        let sortedQuery = encodedQuery.sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        let canonicalQuery = sortedQuery.map { $0.name + "=" + $0.value }.joined(separator: "&")
        let canonicalRequest = [
            method.uppercased(), encodedPath.isEmpty ? "/" : encodedPath, canonicalQuery,
            canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Data(SHA256.hash(data: Data(canonicalRequest.utf8))).hexString,
        ].joined(separator: "\n")

        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Data(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key)).hexString
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders,
            signature: signature, authorization: authorization)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z"
    }

    /// Trims the value and collapses inner runs of spaces, as the canonical form requires.
    static func collapseSpaces(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
