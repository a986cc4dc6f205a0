import CLibdeflate
import Foundation

/// Raw DEFLATE of one whole buffer by libdeflate: the only importer of `CLibdeflate`.
///
/// A window member is compressed in one call from a buffer that is already whole, which
/// is the one case libdeflate serves (it has no streaming API) and where it is about
/// three times zlib's speed at level 6 with slightly smaller output (measured on log
/// lines here: 0.76 s of CPU against zlib's 2.12 s for 100 MB, 20.7 MB against 21.5 MB).
/// Its output depends only on the input, the level and the libdeflate version.
public enum RawDeflate {
    /// The levels this wrapper accepts: zlib's (0 stores the input in stored blocks).
    public static let levels: ClosedRange<Int32> = 0...9

    /// Bytes `compress` may need for `count` input bytes, whatever the level.
    public static func bound(_ count: Int) -> Int {
        libdeflate_deflate_compress_bound(nil, count)
    }

    /// Compresses `input` into `output` (at least `bound(input.count)` bytes) and returns
    /// how many bytes it wrote.
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard levels.contains(level) else { throw DeflateError("level \(level) is outside \(levels.lowerBound)...\(levels.upperBound)") }
        guard output.count >= bound(input.count) else { throw DeflateError("an output of \(output.count) bytes for \(input.count) bytes of input") }
        let compressor = try Compressor.take(level: level)
        defer { Compressor.give(compressor) }
        // An empty input has a null base address, which libdeflate accepts for 0 bytes.
        let written = libdeflate_deflate_compress(compressor.pointer, input.baseAddress, input.count, output.baseAddress, output.count)
        guard written > 0 else { throw DeflateError("libdeflate_deflate_compress did not fit \(input.count) bytes into \(output.count)") }
        return written
    }
}

public struct DeflateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = "deflate: " + description }
}

/// A compressor kept between members (its tables take hundreds of KiB at level 6); it
/// gives the same bytes whatever it compressed before.
private final class Compressor: @unchecked Sendable {
    let pointer: OpaquePointer
    let level: Int32
    /// Two per compression thread: a process compacts at one or two levels at a time, and
    /// the oldest idle one goes first, so compressors of a level no longer used do not stay.
    private static let idle = ContextPool<Compressor>(keep: 2 * ProcessInfo.processInfo.activeProcessorCount)

    private init(_ pointer: OpaquePointer, level: Int32) {
        self.pointer = pointer
        self.level = level
    }

    deinit { libdeflate_free_compressor(pointer) }

    static func take(level: Int32) throws -> Compressor {
        if let reused = idle.take(where: { $0.level == level }) { return reused }
        guard let pointer = libdeflate_alloc_compressor(level) else { throw DeflateError("libdeflate_alloc_compressor(\(level)) failed: out of memory") }
        return Compressor(pointer, level: level)
    }

    static func give(_ compressor: Compressor) { idle.give(compressor) }
}
