import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing

@Suite struct ObjectTargetTests {
    @Test func cosWithDefaultEndpoint() throws {
        let target = try ObjectTarget(parsing: "cos://archive-1250000000/kafka/dumps?region=ap-guangzhou")
        #expect(target.flavor == .cos)
        #expect(target.bucket == "archive-1250000000")
        #expect(target.prefix == "kafka/dumps")
        #expect(target.region == "ap-guangzhou")
        #expect(target.endpoint == URL(string: "https://cos.ap-guangzhou.myqcloud.com"))
        #expect(!target.pathStyle)
        #expect(target.fullKey("a/b") == "kafka/dumps/a/b")
        #expect(target.description == "cos://archive-1250000000/kafka/dumps")
    }

    @Test func cosWithEndpointOverride() throws {
        let target = try ObjectTarget(parsing: "cos://archive-1250000000?region=ap-beijing&endpoint=http://127.0.0.1:9000&path-style=true")
        #expect(target.endpoint == URL(string: "http://127.0.0.1:9000"))
        #expect(target.pathStyle)
        #expect(target.prefix == "")
    }

    @Test func s3ForSeaweedFSAndAWS() throws {
        let local = try ObjectTarget(parsing: "s3://bucket/p/?endpoint=http%3A%2F%2Flocalhost%3A8333&region=us-east-1&path-style=true")
        #expect(local.endpoint == URL(string: "http://localhost:8333"))
        #expect(local.prefix == "p")
        #expect(local.pathStyle)
        let aws = try ObjectTarget(parsing: "s3://my.bucket?region=eu-west-1")
        #expect(aws.endpoint == URL(string: "https://s3.eu-west-1.amazonaws.com"))
        #expect(!aws.pathStyle)
    }

    @Test func fileDirectory() throws {
        let target = try ObjectTarget(parsing: "file:///var/lib/sediment/bucket")
        #expect(target.flavor == .file)
        #expect(target.bucket == "/var/lib/sediment/bucket")
        #expect(target.description == "file:///var/lib/sediment/bucket")
    }

    @Test(arguments: [
        ("ftp://bucket", "unsupported scheme 'ftp'"),
        ("bucket/key", "expected cos://, s3:// or file://"),
        ("s3://?region=us-east-1", "missing bucket name"),
        ("s3://bucket", "missing region"),
        ("cos://archive-1250000000", "missing region"),
        ("cos://archive?region=ap-guangzhou", "BUCKET-APPID"),
        ("s3://bucket?region=us-east-1&endpoint=localhost:8333", "endpoint 'localhost:8333' must be an http:// or https:// URL"),
        ("s3://bucket?region=us-east-1&endpoint=http://host/path", "must not have a path"),
        ("s3://bucket?region=us-east-1&path-style=maybe", "path-style must be true or false"),
        ("s3://bucket?region=us-east-1&regoin=x", "unknown parameter 'regoin'"),
        ("s3://bad_bucket!?region=us-east-1", "may hold only letters"),
        ("file://relative/dir", "absolute directory"),
    ])
    func badURIsSayWhatIsWrong(uri: String, reason: String) {
        let error = #expect(throws: ObjectStoreError.self) { try ObjectTarget(parsing: uri) }
        #expect(error?.code == .invalidTarget)
        #expect("\(error.map { "\($0)" } ?? "")".contains(reason), "\(String(describing: error))")
    }
}
