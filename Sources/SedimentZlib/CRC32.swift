import CZlib

/// CRC-32 (IEEE, zlib's `crc32`), the checksum that frames every segment record.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var value = UInt(crc)
        var remaining = bytes.count
        var pointer = base.assumingMemoryBound(to: UInt8.self)
        // crc32_z takes a size_t, but stay within uInt-sized calls for older zlibs.
        while remaining > 0 {
            let chunk = min(remaining, Int(UInt32.max >> 1))
            value = UInt(CZlib.crc32(value, pointer, UInt32(chunk)))
            pointer += chunk
            remaining -= chunk
        }
        return UInt32(truncatingIfNeeded: value)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
