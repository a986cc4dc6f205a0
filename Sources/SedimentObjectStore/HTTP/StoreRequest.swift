import Foundation
import NIOCore
import NIOHTTP1

/// One request to the store, before it is addressed and signed.
struct StoreRequest: Sendable {
    enum Body: Sendable {
        case none
        case data(Data)
        case payload(ObjectPayload)
    }

    var method: HTTPMethod
    /// The object key relative to the target's prefix; nil for requests on the bucket.
    var key: String?
    /// Decoded names and values, sent in this order.
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: Body = .none

    var bodyLength: Int64 {
        switch body {
        case .none: return 0
        case .data(let data): return Int64(data.count)
        case .payload(let payload): return payload.length
        }
    }
}

/// A reply with its body read into memory (bounded by the caller).
struct StoreReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    var text: String { String(buffer: body) }

    /// A header's value, without the quotes S3 puts around ETags.
    func etag() -> String? {
        headers.first(name: "etag").map(unquoted)
    }
}

func unquoted(_ etag: String) -> String {
    var value = Substring(etag)
    if value.hasPrefix("W/") { value = value.dropFirst(2) }
    return String(value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
}
