import Foundation
import SedimentObjectStore
import Testing

/// COS's signature against the worked examples of Tencent Cloud's "Request Signature"
/// document for the COS XML API (cloud.tencent.com/document/product/436/7778,
/// English at tencentcloud.com/document/product/436/7778, section "Use Case"):
/// APPID 1250000000, SecretId AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q.
///
/// The English page prints the path as `/exampleobject(tencentcloud)`, a translation of
/// the original `腾讯云`; the published SHA-1 of HttpString and the signature are those
/// of the original Chinese path (checked: the translated one gives other digests).
@Suite struct COSSignerTests {
    static let signer = COSSigner(
        credentials: Credentials(accessKeyID: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", secretAccessKey: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"))
    static let host = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"

    @Test func uploadingAnObject() {
        let signature = Self.signer.sign(
            method: "PUT", path: "/exampleobject(腾讯云)", query: [],
            headers: [
                ("Date", "Thu, 16 May 2019 06:45:51 GMT"), ("Host", Self.host), ("Content-Type", "text/plain"),
                ("Content-Length", "13"), ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="), ("x-cos-acl", "private"),
                ("x-cos-grant-read", "uin=\"100000000011\""),
            ],
            keyTime: "1557989151;1557996351")
        #expect(signature.signKey == "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f")
        #expect(signature.httpString == "put\n/exampleobject(腾讯云)\n\ncontent-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22\n")
        #expect(signature.stringToSign == "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n")
        #expect(signature.signature == "3b8851a11a569213c17ba8fa7dcf2abec6935172")
        #expect(signature.authorization == "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172")
    }

    @Test func downloadingAnObject() {
        let signature = Self.signer.sign(
            method: "GET", path: "/exampleobject(腾讯云)",
            query: [("response-content-type", "application/octet-stream"), ("response-cache-control", "max-age=600")],
            headers: [("Date", "Thu, 16 May 2019 06:55:53 GMT"), ("Host", Self.host)],
            keyTime: "1557989753;1557996953")
        #expect(signature.signKey == "937914bf490e9e8c189836aad2052e4feeb35eaf")
        #expect(signature.stringToSign == "sha1\n1557989753;1557996953\n54ecfe22f59d3514fdc764b87a32d8133ea611e6\n")
        #expect(signature.signature == "01681b8c9d798a678e43b685a9f1bba0f6c0e012")
        #expect(signature.authorization.hasSuffix("&q-header-list=date;host&q-url-param-list=response-cache-control;response-content-type&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012"))
    }

    @Test func keyTimeStartsAMinuteEarlyAndLastsTheLifetime() {
        let keyTime = COSSigner.keyTime(now: Date(timeIntervalSince1970: 1_557_989_211), lifetime: 7200)
        #expect(keyTime == "1557989151;1557996411")
    }
}
