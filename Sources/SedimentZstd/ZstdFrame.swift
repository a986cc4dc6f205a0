import CZstd
import Foundation

/// One complete zstd frame made from one buffer, and the way back from frames to bytes.
///
/// Each frame is compressed alone, single-threaded (`ZSTD_c_nbWorkers` 0, libzstd's
/// default): its bytes depend only on the input, the level and the libzstd version.
/// zstd's own multithreaded mode is not used: its header promises nothing about output
/// across worker counts, and it differs from the single-threaded output. The frame
/// records its content size and ends with the XXH64-based content checksum, so a
/// reader checks what it inflates, as gzip's CRC-32 does.
public enum ZstdFrame {
    /// The levels this wrapper accepts: zstd's regular ones (20 to 22 need `--ultra`).
    public static let levels: ClosedRange<Int32> = 1...19

    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        let owner = try CompressionContext.take()
        defer { CompressionContext.give(owner) }
        let context = owner.context
        try check("ZSTD_CCtx_setParameter", ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
        try check("ZSTD_CCtx_setParameter", ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1))
        let bound = ZSTD_compressBound(input.count)
        // Uninitialized: every byte kept is written.
        return try [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            let written = ZSTD_compress2(context, buffer.baseAddress, bound, input.baseAddress, input.count)
            try check("ZSTD_compress2", written)
            initialized = written
        }
    }

    public static func compress(_ input: [UInt8], level: Int32) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, level: level) }
    }

    /// The decompressed bytes of every frame in `input`, one or several concatenated;
    /// skippable frames (a seek table) are passed over, as `zstd -d` does. `size` is the
    /// output the index (or a seek table) expects: exactly that much is allocated, so a
    /// frame whose header claims more, as a damaged or hostile one may, fails instead of
    /// asking for that memory.
    public static func decompress(_ input: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        guard input.count > 0 else { return [] }
        guard size >= 0 else { throw ZstdError(operation: "ZSTD_decompress", message: "an expected size of \(size) bytes") }
        return try [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, initialized in
            let written = ZSTD_decompress(buffer.baseAddress, size, input.baseAddress, input.count)
            try check("ZSTD_decompress", written)
            initialized = written
        }
    }

    /// Inflates the frames of `input` into `output` when they hold exactly `output.count`
    /// bytes; false otherwise (`decompress` then names what is wrong).
    public static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard input.count > 0, output.count > 0 else { return false }
        let written = ZSTD_decompress(output.baseAddress, output.count, input.baseAddress, input.count)
        return ZSTD_isError(written) == 0 && written == output.count
    }

    /// The content size `frame`'s header records; nil when it records none, or `frame`
    /// does not start with a frame header.
    public static func contentSize(_ frame: UnsafeRawBufferPointer) -> UInt64? {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        // The two highest values are ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR.
        return size >= UInt64.max - 1 ? nil : size
    }

    static func check(_ operation: String, _ code: Int) throws {
        if ZSTD_isError(code) != 0 { throw ZstdError(operation: operation, message: String(cString: ZSTD_getErrorName(code))) }
    }
}

/// A compression context kept between frames: a fresh one per frame allocated and
/// faulted in its tables (megabytes at level 3) for every MiB. `ZSTD_compress2` starts
/// each frame over, so a reused context gives the same bytes as a new one.
final class CompressionContext: @unchecked Sendable {
    let context: OpaquePointer
    private static let lock = NSLock()
    nonisolated(unsafe) private static var idle: [CompressionContext] = []

    private init(_ context: OpaquePointer) { self.context = context }
    deinit { ZSTD_freeCCtx(context) }

    static func take() throws -> CompressionContext {
        if let reused = lock.withLock({ idle.popLast() }) { return reused }
        guard let context = ZSTD_createCCtx() else { throw ZstdError(operation: "ZSTD_createCCtx", message: "out of memory") }
        return CompressionContext(context)
    }

    static func give(_ owner: CompressionContext) {
        lock.withLock { idle.append(owner) }
    }
}
