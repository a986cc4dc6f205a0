import Testing
@testable import Sediment
import SedimentZlib
import SedimentZstd

@Suite("Parallel compressor")
struct ParallelCompressorTests {
    static func sample(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return i % 64 < 32 ? UInt8(ascii: "a") + UInt8(i % 26) : UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test("members come back in order, each what its codec makes of its chunk alone, the same bytes whatever the depth", arguments: [WindowCompression.gzip, .zstd])
    func inOrderWhateverTheDepth(compression: WindowCompression) throws {
        let chunks = (0..<24).map { Self.sample(64 << 10 + $0 * 999, seed: UInt64($0)) }
        let make = compression.memberMaker(level: compression.defaultLevel)
        for depth in [1, 3, 16] {
            let compressor = ParallelCompressor(depth: depth, compress: make)
            var members: [ParallelCompressor.Member] = []
            for chunk in chunks {
                var buffer = chunk
                members += try compressor.submit(&buffer)
                #expect(buffer.isEmpty)
            }
            members += try compressor.finish()
            #expect(members.map(\.inputCount) == chunks.map(\.count))
            #expect(members.map(\.bytes) == (try chunks.map { chunk in try chunk.withUnsafeBytes { try make($0) } }), "depth \(depth)")
        }
    }
}
