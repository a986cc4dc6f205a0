import Foundation
import SedimentObjectStore
import Testing

/// SigV4 against published vectors.
///
/// - The AWS Signature Version 4 test suite (`aws-sig-v4-test-suite`, the 2015-08-30
///   set: AKIDEXAMPLE, us-east-1, service `service`), as shipped in the AWS SDKs' test
///   fixtures and documented at docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html.
/// - The four S3 examples of "Signature Calculations for the Authorization Header:
///   Transferring Payload in a Single Chunk" (docs.aws.amazon.com/AmazonS3/latest/API/
///   sig-v4-header-based-auth.html): AKIAIOSFODNN7EXAMPLE, bucket examplebucket, 20130524.
@Suite struct SigV4SignerTests {
    static let suiteSigner = SigV4Signer(
        credentials: Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3Signer = SigV4Signer(
        credentials: Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "s3")
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func suite(
        _ method: String, query: [(String, String)] = [], headers extra: [(String, String)] = [], payloadHash: String = emptyHash
    ) -> SigV4Signer.Signature {
        var headers = [("Host", "example.amazonaws.com")] + extra
        return Self.suiteSigner.sign(
            method: method, encodedPath: "/", query: query, headers: &headers, payloadHash: payloadHash, date: Self.suiteDate)
    }

    @Test func getVanilla() {
        let signature = suite("GET")
        #expect(signature.canonicalRequest == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(Self.emptyHash)")
        #expect(signature.stringToSign == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
        #expect(signature.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func getVanillaQueryOrderKeyCase() {
        let signature = suite("GET", query: [("Param2", "value2"), ("Param1", "value1")])
        #expect(signature.canonicalRequest.contains("\n/\nParam1=value1&Param2=value2\n"))
        #expect(signature.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func postXWWWFormURLEncoded() {
        // sha256("Param1=value1")
        let signature = suite(
            "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            payloadHash: "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
        #expect(signature.signedHeaders == "content-type;host;x-amz-date")
        #expect(signature.stringToSign.hasSuffix("\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"))
        #expect(signature.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    }

    @Test func getHeaderValueTrim() {
        let signature = suite("GET", headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")])
        #expect(signature.canonicalRequest.contains("my-header1:value1\nmy-header2:\"a b c\"\n"))
        #expect(signature.signedHeaders == "host;my-header1;my-header2;x-amz-date")
        #expect(signature.signature == "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")
    }

    func s3(
        _ method: String, path: String, query: [(String, String)] = [], headers extra: [(String, String)] = [],
        payloadHash: String = emptyHash
    ) -> SigV4Signer.Signature {
        var headers = [("Host", "examplebucket.s3.amazonaws.com")] + extra
        return Self.s3Signer.sign(
            method: method, encodedPath: path, query: query, headers: &headers, payloadHash: payloadHash, date: Self.s3Date)
    }

    @Test func s3GetObjectWithRange() {
        let signature = s3("GET", path: "/test.txt", headers: [("Range", "bytes=0-9")])
        #expect(signature.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(signature.stringToSign.hasSuffix("\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3PutObject() {
        // Key "test$file.text", body "Welcome to Amazon S3."
        let signature = s3(
            "PUT", path: "/test%24file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(signature.signedHeaders == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        #expect(signature.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3GetBucketLifecycle() {
        let signature = s3("GET", path: "/", query: [("lifecycle", "")])
        #expect(signature.canonicalRequest.hasPrefix("GET\n/\nlifecycle=\n"))
        #expect(signature.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func s3ListObjects() {
        let signature = s3("GET", path: "/", query: [("max-keys", "2"), ("prefix", "J")])
        #expect(signature.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func sessionTokenIsSignedAndSecretNeverAppears() {
        let signer = SigV4Signer(
            credentials: Credentials(accessKeyID: "AK", secretAccessKey: "top-secret", sessionToken: "tok"), region: "us-east-1")
        var headers = [("Host", "b.example.com")]
        let signature = signer.sign(method: "GET", encodedPath: "/k", query: [], headers: &headers, payloadHash: Self.emptyHash, date: Self.s3Date)
        #expect(headers.contains { $0.0 == "x-amz-security-token" && $0.1 == "tok" })
        #expect(signature.signedHeaders.contains("x-amz-security-token"))
        #expect(!signature.authorization.contains("top-secret"))
    }
}
