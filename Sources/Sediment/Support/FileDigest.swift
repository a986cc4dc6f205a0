import Crypto
import Foundation

/// The SHA-256 of a file, read in bounded chunks.
enum FileDigest {
    static func sha256(of path: String) throws -> String {
        let file = try SystemFile.openForReading(path)
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position: Int64 = 0
        while true {
            let got = try chunk.withUnsafeMutableBytes { try file.read(into: $0, at: position) }
            if got == 0 { break }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            position += Int64(got)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
