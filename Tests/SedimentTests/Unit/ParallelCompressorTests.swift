import Testing
@testable import Sediment
import SedimentZlib
import SedimentZstd

@Suite("Parallel compressor")
struct ParallelCompressorTests {
    /// Log-like lines with a counter in them: compressible, and different in every chunk.
    static func chunk(_ number: Int) -> [UInt8] {
        let lines = (0..<(700 + number * 7)).map { "chunk \(number) line \($0): value=\($0 &* 2654435761 % 100_003)\n" }
        return Array(lines.joined().utf8)
    }

    @Test("members come back in order, each what its codec makes of its chunk alone, the same bytes whatever the depth", arguments: [WindowCompression.gzip, .zstd])
    func inOrderWhateverTheDepth(compression: WindowCompression) throws {
        let chunks = (0..<24).map(Self.chunk)
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

    @Test("reuses the input buffers compressed chunks leave, whatever their sizes: it makes about one per chunk in flight, not one per chunk")
    func reusesInputBuffers() throws {
        let compressor = ParallelCompressor(depth: 2) { Array($0.prefix(16)) }
        var chunk: [UInt8] = []
        chunk.reserveCapacity((1 << 20) + (64 << 10))
        for number in 0..<60 {
            // Each chunk a little over 1 MiB by a different amount, as records end where they do.
            chunk.append(contentsOf: repeatElement(UInt8(number), count: (1 << 20) + number * 37))
            _ = try compressor.submit(&chunk)
        }
        _ = try compressor.finish()
        #expect(compressor.buffersAllocated <= 4, "\(compressor.buffersAllocated) buffers made for 60 chunks")
    }
}
