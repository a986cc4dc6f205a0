import Crypto
import Foundation

/// Temporary files of pseudo-random bytes (fast to make, incompressible) and their digests.
public enum TestFiles {
    public static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sediment-store-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A file of `size` bytes drawn from `seed`.
    public static func make(size: Int, seed: UInt64 = 42, in directory: String? = nil) throws -> String {
        let path = try (directory ?? self.directory()) + "/file-\(size)-\(seed).bin"
        try bytes(size: size, seed: seed).write(to: URL(fileURLWithPath: path))
        return path
    }

    public static func bytes(size: Int, seed: UInt64) -> Data {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        var data = Data(count: (size + 7) / 8 * 8)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[index] = state
            }
        }
        return data.prefix(size)
    }

    public static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256(file path: String) throws -> String {
        sha256(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public static func md5(_ data: Data) -> String {
        Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
