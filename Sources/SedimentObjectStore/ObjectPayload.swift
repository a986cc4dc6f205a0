import Crypto
import Foundation

/// The bytes of one PUT (an object or a part) and their digests.
///
/// The digests are computed once, up front, because every request needs them before
/// its body is sent: Content-MD5 (the store verifies the body) and, for SigV4, the
/// payload SHA-256 (signed, so the store also verifies it). A file range is read once
/// for the digests and streamed again when sent; neither pass holds it in memory.
public struct ObjectPayload: Sendable {
    public enum Source: Sendable {
        case bytes(Data)
        /// `length` bytes of the file at `path` starting at `offset`.
        case file(path: String, offset: Int64, length: Int64)
    }

    public let source: Source
    public let length: Int64
    /// MD5 of the bytes (16 bytes).
    public let md5: Data
    /// SHA-256 of the bytes (32 bytes); nil for a part sent as `UNSIGNED-PAYLOAD`, which
    /// Content-MD5 protects on its way (one hash pass less on every byte uploaded).
    public let sha256: Data?

    public init(bytes: Data) {
        self.source = .bytes(bytes)
        self.length = Int64(bytes.count)
        self.md5 = Data(Insecure.MD5.hash(data: bytes))
        self.sha256 = Data(SHA256.hash(data: bytes))
    }

    /// Reads the range once (off the cooperative pool, in bounded chunks) for its digests.
    public static func file(path: String, offset: Int64 = 0, length: Int64? = nil, withSHA256: Bool = true) async throws -> ObjectPayload {
        try await BlockingIO.run {
            var digests = FileDigests(withSHA256: withSHA256)
            let length = try readRange(path: path, offset: offset, length: length) { digests.update($0) }
            return ObjectPayload(
                source: .file(path: path, offset: offset, length: length),
                length: length, md5: digests.md5, sha256: digests.sha256)
        }
    }

    /// A file range read once for its MD5, its bytes also fed to `hasher` (a whole file's
    /// SHA-256 built part by part); returns the payload and the hasher fed.
    static func file(
        path: String, offset: Int64, length: Int64, feeding hasher: PartOrderedDigest.Hasher
    ) async throws -> (ObjectPayload, PartOrderedDigest.Hasher) {
        try await BlockingIO.run {
            var md5 = Insecure.MD5()
            var whole = hasher
            try readRange(path: path, offset: offset, length: length) { chunk in
                md5.update(bufferPointer: chunk)
                whole.sha256.update(bufferPointer: chunk)
            }
            let payload = ObjectPayload(
                source: .file(path: path, offset: offset, length: length), length: length, md5: Data(md5.finalize()), sha256: nil)
            return (payload, whole)
        }
    }

    /// Feeds `body` the range in bounded chunks (to the end of the file without `length`)
    /// and returns its length; a range outside the file is an error naming it.
    @discardableResult
    private static func readRange(
        path: String, offset: Int64, length: Int64?, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int64 {
        let file = try FileReader(path: path)
        let size = try file.size()
        let length = length ?? (size - offset)
        guard offset >= 0, length >= 0, offset + length <= size else {
            throw ObjectStoreError(.invalidArgument, message: "range \(offset)+\(length) is outside \(path) (\(size) bytes)")
        }
        try file.forEachChunk(offset: offset, length: length, body)
        return length
    }

    public init(source: Source, length: Int64, md5: Data, sha256: Data?) {
        self.source = source
        self.length = length
        self.md5 = md5
        self.sha256 = sha256
    }

    public var md5Hex: String { md5.hexString }
    public var md5Base64: String { md5.base64EncodedString() }
    public var sha256Hex: String { sha256?.hexString ?? "" }
    /// What SigV4 signs as the payload hash.
    var signedPayloadHash: String { sha256?.hexString ?? "UNSIGNED-PAYLOAD" }
}

/// MD5 and (unless not wanted) SHA-256 computed together in one pass.
struct FileDigests {
    private var md5Hasher = Insecure.MD5()
    private var sha256Hasher: SHA256?

    init(withSHA256: Bool = true) { sha256Hasher = withSHA256 ? SHA256() : nil }

    mutating func update(_ chunk: UnsafeRawBufferPointer) {
        md5Hasher.update(bufferPointer: chunk)
        sha256Hasher?.update(bufferPointer: chunk)
    }

    var md5: Data { Data(md5Hasher.finalize()) }
    var sha256: Data? { sha256Hasher.map { Data($0.finalize()) } }
}

extension Data {
    /// Bytes from lowercase or uppercase hex; nil for anything else.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }

    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    init?(hexString: String) {
        let bytes = Array(hexString.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out = Data(capacity: bytes.count / 2)
        var index = 0
        while index < bytes.count {
            guard let high = Self.nibble(bytes[index]), let low = Self.nibble(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        self = out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
