import CZlibTestShim
import Foundation
import Testing
@testable import SedimentZlib

@Suite("Gzip members")
struct GzipTests {
    static func sample(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Half text-like, half noise: compressible but not trivially.
            return i % 64 < 32 ? UInt8(ascii: "a") + UInt8(i % 26) : UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test("a member inflates back to its input, and concatenated members read as one stream")
    func roundTrip() throws {
        let chunks = [Self.sample(1 << 20, seed: 1), [], Self.sample(12345, seed: 2)]
        let members = try chunks.map { try GzipMember.compress($0, level: 6) }
        for (chunk, member) in zip(chunks, members) {
            #expect(try member.withUnsafeBytes { try GzipInflater.decompress($0) } == chunk)
        }
        let stream = members.flatMap { $0 }
        #expect(try stream.withUnsafeBytes { try GzipInflater.decompress($0) } == chunks.flatMap { $0 })
    }

    @Test("a member has zlib's own gzip header and trailer around libdeflate's deflate, inflates with zlib, and is the same every time", arguments: 1...9)
    func sameFramingAsZlib(level: Int32) throws {
        for input in [Self.sample(200_003, seed: UInt64(level)), [], [0x41]] {
            let member = try GzipMember.compress(input, level: level)
            let zlib = Self.zlibWrapped(input, level: level)
            #expect(Array(member.prefix(10)) == Array(zlib.prefix(10)))
            // zlib's inflate checks the trailer (CRC-32 and size), so it is zlib's too.
            #expect(try member.withUnsafeBytes { try GzipInflater.decompress($0) } == input)
            #expect(try GzipMember.compress(input, level: level) == member)
        }
    }

    /// deflate with zlib's gzip wrapper (window bits 31), the way members were first made.
    static func zlibWrapped(_ input: [UInt8], level: Int32) -> [UInt8] {
        var stream = z_stream()
        #expect(sediment_deflate_init_gzip(&stream, level) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                #expect(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    @Test("gzip(1) reads concatenated members as one file")
    func gzipReadsMembers() throws {
        let chunks = [Self.sample(300_000, seed: 3), Self.sample(70_000, seed: 4)]
        let path = NSTemporaryDirectory() + "sediment-gzip-\(UUID().uuidString).gz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try chunks.flatMap { try GzipMember.compress($0, level: 1) }).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect([UInt8](output) == chunks.flatMap { $0 })
    }

    @Test("a truncated or corrupt member is an error, not short output")
    func damaged() throws {
        let member = try GzipMember.compress(Self.sample(100_000, seed: 5), level: 6)
        #expect(throws: ZlibError.self) { try member.dropLast(9).withUnsafeBytes { try GzipInflater.decompress($0) } }
        var corrupt = member
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: ZlibError.self) { try corrupt.withUnsafeBytes { try GzipInflater.decompress($0) } }
    }

    @Test("zlib inflates members the same with the content's exact size, a short or long hint or none, and damage is its named error")
    func sizeHints() throws {
        let chunks = [Self.sample(300_000, seed: 6), Self.sample(1, seed: 7), Self.sample(70_000, seed: 8)]
        let stream = try chunks.flatMap { try GzipMember.compress($0, level: 6) }
        let content = chunks.flatMap { $0 }
        for hint in [content.count, 0, content.count - 1, content.count + 1, 3 * content.count] {
            #expect(try stream.withUnsafeBytes { try GzipInflater.decompress($0, sizeHint: hint) } == content, "hint \(hint)")
        }
        var corrupt = stream
        corrupt[1000] ^= 0x55
        let error = try #require(throws: ZlibError.self) { try corrupt.withUnsafeBytes { try GzipInflater.decompress($0, sizeHint: content.count) } }
        #expect(error.operation == "inflate")
        #expect(throws: ZlibError.self) { try stream.dropLast(3).withUnsafeBytes { try GzipInflater.decompress($0, sizeHint: content.count) } }
        // A member whose trailer says another size: its CRC may match what was inflated, yet it is refused.
        var wrongSize = stream
        wrongSize[wrongSize.count - 4] ^= 1
        #expect(throws: ZlibError.self) { try wrongSize.withUnsafeBytes { try GzipInflater.decompress($0, sizeHint: content.count) } }
    }
}
