import CSedimentCRC
import CZlib

/// CRC-32 (IEEE, zlib's `crc32`), the checksum that frames every segment record.
///
/// Long buffers go through carry-less-multiplication folding when the CPU has it, 64 bytes
/// a step instead of zlib's table lookups; the result is the same value either way.
public enum CRC32 {
    static let folds = sediment_crc32_folding_available() != 0

    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var value = crc
        var pointer = base.assumingMemoryBound(to: UInt8.self)
        var remaining = bytes.count
        if folds && remaining >= 64 {
            let folded = remaining & ~15
            value = ~sediment_crc32_folded(~value, pointer, folded)
            pointer += folded
            remaining -= folded
        }
        // zlib for long runs when there is no folding; the table inline for a short tail.
        guard remaining < 64 else { return zlibChecksum(pointer, remaining, continuing: value) }
        return ~sediment_crc32_bytes(~value, pointer, remaining)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// zlib's own CRC: long buffers where the CPU cannot fold, and the reference the
    /// tests compare with.
    static func zlibChecksum(_ pointer: UnsafePointer<UInt8>, _ count: Int, continuing crc: UInt32) -> UInt32 {
        var value = UInt(crc)
        var pointer = pointer
        var remaining = count
        // crc32_z takes a size_t, but stay within uInt-sized calls for older zlibs.
        while remaining > 0 {
            let chunk = min(remaining, Int(UInt32.max >> 1))
            value = UInt(CZlib.crc32(value, pointer, UInt32(chunk)))
            pointer += chunk
            remaining -= chunk
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
