import Crypto

/// The SHA-256 of a file, read in bounded chunks: what restore checks a download with and
/// verify checks a window file with.
enum FileDigest {
    static let chunkSize = 1 << 20

    /// The hex digest and the bytes read.
    static func sha256(of file: SystemFile) throws -> (hex: String, size: Int64) {
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var size: Int64 = 0
        while true {
            let got = try chunk.withUnsafeMutableBytes { try file.read(into: $0, at: size) }
            if got == 0 { break }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            size += Int64(got)
        }
        return (hasher.finalize().hexString, size)
    }

    static func sha256(of path: String) throws -> String {
        try sha256(of: SystemFile.openForReading(path)).hex
    }
}
