import Testing
@testable import SedimentDeflate
import SedimentZlib

@Suite("libdeflate's part")
struct DeflateTests {
    static let content = Array((0..<200_000).map { "line \($0 % 977) of the deflate tests\n" }.joined().utf8)

    static func members(_ chunks: [[UInt8]]) throws -> [UInt8] {
        try chunks.flatMap { try GzipMember.compress($0, level: 6) }
    }

    static func inflate(_ input: [UInt8], outputSize: Int) -> (Bool, [UInt8]) {
        var output = [UInt8](repeating: 0, count: outputSize)
        let done = input.withUnsafeBytes { source in output.withUnsafeMutableBytes { GzipMembersInflate.inflate(source, into: $0) } }
        return (done, output)
    }

    @Test("members inflate into a buffer of exactly their content's size, and into no other")
    func exactSizeOnly() throws {
        let chunks = [Array(Self.content.prefix(1 << 20)), [], Array(Self.content.dropFirst(1 << 20))]
        let stream = try Self.members(chunks)
        let (done, output) = Self.inflate(stream, outputSize: Self.content.count)
        #expect(done && output == Self.content)
        #expect(!Self.inflate(stream, outputSize: Self.content.count - 1).0)
        #expect(!Self.inflate(stream, outputSize: Self.content.count + 1).0)
        #expect(Self.inflate([], outputSize: 0).0)
    }

    @Test("a flipped byte, a cut member, bytes after the last member or a wrong size in a trailer are refused")
    func damage() throws {
        let stream = try Self.members([Self.content])
        var flipped = stream
        flipped[stream.count / 2] ^= 0x20
        var wrongSize = stream
        wrongSize[stream.count - 1] ^= 1
        for damaged in [flipped, Array(stream.dropLast(5)), stream + [0x1F, 0x8B, 8], wrongSize] {
            #expect(!Self.inflate(damaged, outputSize: Self.content.count).0)
        }
    }

    @Test("RawDeflate refuses a level outside 0 to 9 and an output smaller than its bound, naming them")
    func refusals() throws {
        var output = [UInt8](repeating: 0, count: RawDeflate.bound(Self.content.count))
        try Self.content.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { out in
                for level: Int32 in [-1, 10] {
                    let error = try #require(throws: DeflateError.self) { try RawDeflate.compress(input, level: level, into: out) }
                    #expect(error.description.contains("level \(level) is outside 0...9"))
                }
                let small = UnsafeMutableRawBufferPointer(rebasing: out[..<(out.count - 1)])
                let error = try #require(throws: DeflateError.self) { try RawDeflate.compress(input, level: 6, into: small) }
                #expect(error.description.contains("an output of \(out.count - 1) bytes for \(Self.content.count) bytes of input"))
                #expect(try RawDeflate.compress(input, level: 6, into: out) < Self.content.count / 10)
            }
        }
    }
}
