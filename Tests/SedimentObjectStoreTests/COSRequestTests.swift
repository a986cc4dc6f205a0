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

    /// The variables of Tencent Cloud's function runtime sign, and keys it replaces while
    /// the store is in use sign the next request.
    @Test func functionRuntimeVariablesSignAndAreReadAgain() async throws {
        let proxy = try FaultProxy(upstreamPort: 9)  // never forwarded to
        defer { proxy.stop() }
        proxy.inject(Array(repeating: .init(kind: .putObject, fault: .status(403)), count: 2))
        let target = try ObjectTarget(parsing: "cos://archive-1250000000?region=ap-guangzhou&endpoint=\(proxy.endpoint)&path-style=true")
        let variables = Variables(["TENCENTCLOUD_SECRETID": "AKIDSCF1", "TENCENTCLOUD_SECRETKEY": "scf-secret-1", "TENCENTCLOUD_SESSIONTOKEN": "scf-token-1"])
        let provider = try #require(try Credentials.provider(for: target, environment: variables.read, logger: Logger(label: "test")))
        let store = try target.makeStore(credentials: provider, logger: Logger(label: "test.cos"))
        let payload = ObjectPayload(bytes: Data("x".utf8))
        await #expect(throws: ObjectStoreError.self) { try await store.putObject(key: "a", payload: payload) }
        variables.set(["TENCENTCLOUD_SECRETID": "AKIDSCF2", "TENCENTCLOUD_SECRETKEY": "scf-secret-2", "TENCENTCLOUD_SESSIONTOKEN": "scf-token-2"])
        await #expect(throws: ObjectStoreError.self) { try await store.putObject(key: "b", payload: payload) }
        try await store.shutdown()

        let sent = proxy.requests.map { request in
            (request.headers.first { $0.lowercased().hasPrefix("authorization:") } ?? "", request.headers.first { $0.lowercased().hasPrefix("x-cos-security-token:") } ?? "")
        }
        #expect(sent.count == 2)
        #expect(sent.first?.0.contains("q-ak=AKIDSCF1&") == true && sent.first?.1.hasSuffix("scf-token-1") == true, "\(sent)")
        #expect(sent.last?.0.contains("q-ak=AKIDSCF2&") == true && sent.last?.1.hasSuffix("scf-token-2") == true, "\(sent)")
    }
}
