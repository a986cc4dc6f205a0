import Crypto
import Foundation

/// Temporary files of pseudo-random bytes (fast to make, incompressible) and their digests.
public enum TestFiles {
    /// A fresh directory in this process's own folder under /tmp, which goes with
    /// everything in it when the test process exits (the files run to tens of megabytes
    /// a run, and tests hand these paths to stores that outlive any one scope).
    public static func directory() throws -> String {
        _ = removedAtExit
        let path = processFolder + "/" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static var processFolder: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sediment-store-\(getpid())").path
    }

    /// Clears a folder a crashed process of the same id left, once, and removes the
    /// folder at exit (`atexit` takes a C function: it captures nothing).
    private static let removedAtExit: Void = {
        try? FileManager.default.removeItem(atPath: processFolder)
        atexit { try? FileManager.default.removeItem(atPath: TestFiles.processFolder) }
    }()

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
