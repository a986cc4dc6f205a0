import Crypto
import Foundation
import NIOCore

/// Where a download's bytes go: a temporary file, and the SHA-256 when asked for.
final class DownloadSink: @unchecked Sendable {
    // @unchecked: used by one download at a time, each call after the one before.
    static let batch = 1 << 20

    let writer: FileWriter
    private var hasher: SHA256?

    init(writer: FileWriter, hashing: Bool) {
        self.writer = writer
        hasher = hashing ? SHA256() : nil
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher?.update(bufferPointer: bytes)
        try writer.write(bytes)
    }

    func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { try write($0) }
    }

    func commit(to path: String) throws -> DownloadedObject {
        let bytes = try writer.commit(to: path)
        return DownloadedObject(bytes: bytes, sha256: hasher.map { Data($0.finalize()).hexString })
    }
}
