import Foundation
import Logging
import Testing

@testable import SedimentObjectStore

/// Where requests go for each target form: virtual-hosted by default, path-style on
/// request, and an endpoint naming the bucket host used as it is.
@Suite struct AddressingTests {
    func address(_ uri: String, key: String?, query: [(String, String)] = []) throws -> HTTPObjectStore.Address {
        let store = try HTTPObjectStore(
            target: ObjectTarget(parsing: uri), credentials: Credentials(accessKeyID: "a", secretAccessKey: "s"),
            logger: Logger(label: "test"), httpClient: .shared)
        return store.address(for: StoreRequest(method: .GET, key: key, query: query))
    }

    @Test func cosVirtualHosted() throws {
        let address = try address("cos://archive-1250000000/dumps?region=ap-guangzhou", key: "t/a b+(1).gz")
        #expect(address.url == "https://archive-1250000000.cos.ap-guangzhou.myqcloud.com/dumps/t/a%20b%2B%281%29.gz")
        #expect(address.host == "archive-1250000000.cos.ap-guangzhou.myqcloud.com")
        #expect(address.decodedPath == "/dumps/t/a b+(1).gz")
    }

    @Test func cosEndpointNamingTheBucketHost() throws {
        let address = try address(
            "cos://archive-1250000000?region=ap-guangzhou&endpoint=https://archive-1250000000.cos.ap-guangzhou.myqcloud.com", key: "k")
        #expect(address.url == "https://archive-1250000000.cos.ap-guangzhou.myqcloud.com/k")
    }

    @Test func s3PathStyleWithPortAndQuery() throws {
        let address = try address(
            "s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:8333&path-style=true", key: nil,
            query: [("uploads", ""), ("prefix", "a/b c")])
        #expect(address.url == "http://127.0.0.1:8333/bucket?uploads&prefix=a%2Fb%20c")
        #expect(address.host == "127.0.0.1:8333")
        #expect(address.encodedPath == "/bucket")
    }

    @Test func awsVirtualHostedBucketRoot() throws {
        let address = try address("s3://examplebucket?region=us-east-1", key: nil)
        #expect(address.url == "https://examplebucket.s3.us-east-1.amazonaws.com/")
        #expect(address.host == "examplebucket.s3.us-east-1.amazonaws.com")
    }
}
