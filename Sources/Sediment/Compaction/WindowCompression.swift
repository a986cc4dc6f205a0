import SedimentZlib
import SedimentZstd

/// How a window file's members are stored: the one place that knows each codec. A file
/// is a series of members of about 1 MiB of input each, every one readable alone; the
/// index (and a manifest) keeps each member's byte range and input size.
public enum WindowCompression: String, Sendable, CaseIterable, Codable {
    /// gzip members: one gzip stream for every gzip tool. The default.
    case gzip
    /// Independent zstd frames, then a seek table in zstd's seekable format.
    case zstd
    /// The decompressed content itself; a member is a byte range of about 1 MiB.
    case none

    /// The levels a setting may hold; `none` has no level and records 0.
    public var levels: ClosedRange<Int> {
        switch self {
        case .gzip: 1...9
        case .zstd: Int(ZstdFrame.levels.lowerBound)...Int(ZstdFrame.levels.upperBound)
        case .none: 0...0
        }
    }

    public var defaultLevel: Int {
        switch self {
        case .gzip: 6
        case .zstd: 3
        case .none: 0
        }
    }

    /// What follows the format's extension: `.gz`, `.zst`, nothing.
    public var fileSuffix: String {
        switch self {
        case .gzip: ".gz"
        case .zstd: ".zst"
        case .none: ""
        }
    }

    /// Makes one member of one chunk; it depends only on the chunk and the level.
    func memberMaker(level: Int) -> @Sendable (UnsafeRawBufferPointer) throws -> [UInt8] {
        let level = Int32(level)
        switch self {
        case .gzip: return { try GzipMember.compress($0, level: level) }
        case .zstd: return { try ZstdFrame.compress($0, level: level) }
        case .none: return { Array($0) }
        }
    }

    /// The content of one member's bytes whatever its size, the codec's own way, which
    /// says what is wrong: zlib for gzip (`sizeHint` sizes its first allocation); for zstd
    /// `sizeHint` is the most it allocates, so a frame claiming more fails.
    func inflateAnySize(_ bytes: UnsafeRawBufferPointer, sizeHint: Int) throws -> [UInt8] {
        switch self {
        case .gzip: try GzipInflater.decompress(bytes, sizeHint: sizeHint)
        case .zstd: try ZstdFrame.decompress(bytes, size: sizeHint)
        case .none: Array(bytes)
        }
    }

    /// Inflates one member's bytes (or several consecutive members') straight into
    /// `output` when they hold exactly `output.count` bytes; false when they do not or the
    /// codec refuses them, for `inflateAnySize` to say why or take them as they are.
    func inflate(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        switch self {
        case .gzip: return GzipInflater.decompress(bytes, into: output)
        case .zstd: return ZstdFrame.decompress(bytes, into: output)
        case .none:
            guard bytes.count == output.count else { return false }
            output.copyMemory(from: bytes)
            return true
        }
    }

    /// What ends a file after its members, given each member's (stored, input) sizes:
    /// zstd's seek table; nothing for the others.
    func trailer(members: [(stored: Int, input: Int)]) -> [UInt8] {
        guard self == .zstd else { return [] }
        return ZstdSeekTable(entries: members.map {
            ZstdSeekTable.Entry(compressedSize: UInt32($0.stored), decompressedSize: UInt32($0.input))
        }).encoded
    }

    /// Bytes `trailer` takes for `members` members.
    func trailerSize(members: Int) -> Int {
        self == .zstd ? ZstdSeekTable.size(frames: members) : 0
    }
}
