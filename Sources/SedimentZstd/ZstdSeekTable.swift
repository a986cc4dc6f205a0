/// The seek table of zstd's seekable format (zstd's
/// `contrib/seekable_format/zstd_seekable_compression_format.md`, version 0.1.0): the
/// last frame of a file, a skippable frame that lists each zstd frame before it, so a
/// reader finds any frame from the end of the file without reading the rest.
///
///     Skippable_Magic_Number  4 bytes LE  0x184D2A5E
///     Frame_Size              4 bytes LE  8 × entries + 9
///     entries, one per frame  Compressed_Size 4 bytes LE, Decompressed_Size 4 bytes LE
///     Number_Of_Frames        4 bytes LE
///     Seek_Table_Descriptor   1 byte      0: no checksums (each frame carries its own)
///     Seekable_Magic_Number   4 bytes LE  0x8F92EAB1
///
/// zstd -d and zstdcat pass over it like any skippable frame.
public struct ZstdSeekTable: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var compressedSize: UInt32
        public var decompressedSize: UInt32

        public init(compressedSize: UInt32, decompressedSize: UInt32) {
            self.compressedSize = compressedSize
            self.decompressedSize = decompressedSize
        }
    }

    public static let skippableMagic: UInt32 = 0x184D_2A5E
    public static let seekableMagic: UInt32 = 0x8F92_EAB1
    static let headerSize = 8
    static let footerSize = 9
    static let entrySize = 8

    public var entries: [Entry]
    /// Bytes the table takes in its file: entries of 12 bytes when read with checksums.
    public var byteCount: Int

    public init(entries: [Entry]) {
        self.entries = entries
        byteCount = Self.size(frames: entries.count)
    }

    /// Bytes the table of `frames` frames takes at the end of a file.
    public static func size(frames: Int) -> Int { headerSize + frames * entrySize + footerSize }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size(frames: entries.count))
        func put(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        put(Self.skippableMagic)
        put(UInt32(entries.count * Self.entrySize + Self.footerSize))
        for entry in entries {
            put(entry.compressedSize)
            put(entry.decompressedSize)
        }
        put(UInt32(entries.count))
        bytes.append(0)
        put(Self.seekableMagic)
        return bytes
    }

    /// The table that ends `tail` (the last bytes of a file, at least the whole table),
    /// checked against the format; checksummed entries are read and their checksums dropped.
    public static func decode(endOf tail: UnsafeRawBufferPointer) throws -> ZstdSeekTable {
        func word(_ at: Int) -> UInt32 { UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        guard tail.count >= headerSize + footerSize else {
            throw ZstdError(operation: "seek table", message: "\(tail.count) bytes are too few to end in a seek table")
        }
        let footer = tail.count - footerSize
        guard word(footer + 5) == seekableMagic else {
            throw ZstdError(operation: "seek table", message: "the data does not end with the seekable format's magic number 0x8F92EAB1")
        }
        let frames = Int(word(footer))
        let descriptor = tail[footer + 4]
        guard descriptor & 0x7C == 0 else {
            throw ZstdError(operation: "seek table", message: "its descriptor \(descriptor) sets reserved bits")
        }
        let width = descriptor & 0x80 != 0 ? 12 : entrySize
        let start = footer - frames * width - headerSize
        guard start >= 0 else {
            throw ZstdError(operation: "seek table", message: "its \(frames) entries need more bytes than the \(tail.count) given")
        }
        guard word(start) == skippableMagic, Int(word(start + 4)) == frames * width + footerSize else {
            throw ZstdError(operation: "seek table", message: "its skippable frame header does not match \(frames) entries")
        }
        let entries = (0..<frames).map { index in
            let at = start + headerSize + index * width
            return Entry(compressedSize: word(at), decompressedSize: word(at + 4))
        }
        var table = ZstdSeekTable(entries: entries)
        table.byteCount = tail.count - start
        return table
    }
}
