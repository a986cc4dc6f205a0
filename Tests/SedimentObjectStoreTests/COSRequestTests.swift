import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// What a cos:// store puts on the wire, captured by the proxy (which answers 403 in
/// COS's place, there being no COS server here): the COS signature over the headers
/// actually sent, recomputed from the captured request.
@Suite struct COSRequestTests {
    @Test func putObjectCarriesAVerifiableCOSSignature() async throws {
        let proxy = try FaultProxy(upstreamPort: 9)  // never forwarded to
        defer { proxy.stop() }
        proxy.inject([.init(kind: .putObject, fault: .status(403))])
        let target = try ObjectTarget(parsing: "cos://archive-1250000000/dumps?region=ap-guangzhou&endpoint=\(proxy.endpoint)&path-style=true")
        let credentials = Credentials(accessKeyID: "AKIDEXAMPLEID", secretAccessKey: "cos-secret-never-shown", sessionToken: "sts-token")
        let store = try HTTPObjectStore(target: target, credentials: credentials, logger: Logger(label: "test.cos"))
        let payload = ObjectPayload(bytes: Data("ObjectContent".utf8))
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.putObject(key: "t/é x.gz", payload: payload, metadata: ["sha256": payload.sha256Hex])
        }
        try await store.shutdown()
        #expect(error?.code == .accessDenied)
        #expect("\(error!)".hasPrefix("PUT cos://archive-1250000000/dumps/t/é x.gz failed: 403 AccessDenied"))

        let request = try #require(proxy.requests.first)
        #expect(proxy.requests.count == 1)
        #expect(request.target == "/archive-1250000000/dumps/t/%C3%A9%20x.gz")
        var headers: [String: String] = [:]
        for line in request.headers {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            headers[parts[0].lowercased()] = parts[1]
        }
        #expect(headers["content-md5"] == payload.md5Base64)
        #expect(headers["x-cos-meta-sha256"] == payload.sha256Hex)
        #expect(headers["x-cos-security-token"] == "sts-token")
        let authorization = try #require(headers["authorization"])
        var fields: [String: String] = [:]
        for pair in authorization.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        #expect(fields["q-sign-algorithm"] == "sha1")
        #expect(fields["q-ak"] == "AKIDEXAMPLEID")
        #expect(fields["q-header-list"] == "content-length;content-md5;host;x-cos-meta-sha256;x-cos-security-token")
        let signed = try fields["q-header-list"]!.split(separator: ";").map { name in
            (String(name), try #require(headers[String(name)], "signed header \(name) was sent"))
        }
        let recomputed = COSSigner(credentials: credentials).sign(
            method: "PUT", path: "/archive-1250000000/dumps/t/é x.gz", query: [], headers: signed,
            keyTime: try #require(fields["q-key-time"]))
        #expect(recomputed.signature == fields["q-signature"])
        #expect(!authorization.contains("cos-secret-never-shown"))
    }
}
