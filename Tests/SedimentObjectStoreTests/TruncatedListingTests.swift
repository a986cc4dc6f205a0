import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// A store (or something posing as one) that says a listing goes on but names no marker
/// past the page it sent: the listing is refused, neither cut short nor asked for forever.
@Suite struct TruncatedListingTests {
    static func store(_ proxy: FaultProxy) throws -> HTTPObjectStore {
        let target = try ObjectTarget(parsing: "s3://bucket/p?region=us-east-1&endpoint=\(proxy.endpoint)&path-style=true")
        return try HTTPObjectStore(target: target, credentials: Credentials(accessKeyID: "AK", secretAccessKey: "SK"), logger: Logger(label: "test"))
    }

    @Test("a truncated object listing whose marker does not move, or is missing, is an invalid response after one more page at most")
    func objects() async throws {
        let again = #"<ListBucketResult><IsTruncated>true</IsTruncated><NextMarker>p/k</NextMarker><Contents><Key>p/k</Key><Size>1</Size></Contents></ListBucketResult>"#
        let none = #"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"#
        for (replies, requests) in [([again, again, again], 2), ([none, none], 1)] {
            let proxy = try FaultProxy(upstreamPort: 9)  // never forwarded to
            defer { proxy.stop() }
            proxy.inject(replies.map { .init(kind: .list, fault: .reply(status: 200, body: $0)) })
            let store = try Self.store(proxy)
            let error = await #expect(throws: ObjectStoreError.self) { try await store.listObjects(prefix: "") }
            try await store.shutdown()
            #expect(error?.code == .invalidResponse && "\(error!)".contains("the listing is truncated but names no marker past"), "\(String(describing: error))")
            #expect(proxy.requests.count == requests)
        }
    }

    @Test("a truncated multipart listing whose markers do not move is an invalid response after one more page")
    func uploads() async throws {
        let again = #"<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>p/k</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker><Upload><Key>p/k</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>"#
        let proxy = try FaultProxy(upstreamPort: 9)
        defer { proxy.stop() }
        proxy.inject(Array(repeating: .init(kind: .list, fault: .reply(status: 200, body: again)), count: 3))
        let store = try Self.store(proxy)
        let error = await #expect(throws: ObjectStoreError.self) { try await store.listMultipartUploads(prefix: "") }
        try await store.shutdown()
        #expect(error?.code == .invalidResponse && "\(error!)".contains("names no marker past 'p/k' 'u1'"), "\(String(describing: error))")
        #expect(proxy.requests.count == 2)
    }
}
