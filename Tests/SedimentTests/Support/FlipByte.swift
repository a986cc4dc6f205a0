import Foundation
import Testing

/// Flips bits of one byte in place, as a bad sector or a stray write would.
func flipByte(at position: Int64, of path: String) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(position))
    let byte = try #require(try handle.read(upToCount: 1)?.first)
    try handle.seek(toOffset: UInt64(position))
    try handle.write(contentsOf: [byte ^ 0x5A])
}
