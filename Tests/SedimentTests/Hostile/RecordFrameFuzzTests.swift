import PropertyBased
import SedimentZlib
import Testing

@testable import Sediment

/// Segment record frames (`RecordFormat`): what `query`, compaction and `verify` read back
/// from segment files, which a crash, a bad disk or a hand may have changed.
@Suite("Fuzz: segment record frames")
struct RecordFrameFuzzTests {
    static let seeds: [[UInt8]] = (0..<12).map { index in
        var rng = Xoshiro(seed: (UInt64(index) + 7, 5, 3, 1))
        return RecordDecoderTests.frame(FuzzInput.message.run(using: &rng))
    }

    /// Mutated frames get their CRC computed again, half the time, so that the decoder
    /// reads their layout instead of stopping at the checksum.
    static let input = Generator<([UInt8], Bool), Shrink.None<([UInt8], Bool)>> { rng in
        var bytes = FuzzInput.bytes(seeds: seeds, tokens: [[0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0x7F], [0, 0, 0, 0x80]], maxLength: 400).run(using: &rng)
        let resealed = Bool.random(using: &rng)
        if resealed, bytes.count >= RecordFormat.frameHeaderSize {
            let length = min(Int(bytes.withUnsafeBytes { $0.loadLittleEndian(UInt32.self, at: 0) }), bytes.count - RecordFormat.frameHeaderSize)
            let crc = bytes[RecordFormat.frameHeaderSize..<RecordFormat.frameHeaderSize + length].withUnsafeBytes { CRC32.checksum($0) }
            withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(4..<8, with: $0) }
        }
        return (bytes, resealed)
    }

    @Test("any bytes decode to a record inside them, a torn tail or a corruption with a reason; never a trap")
    func frames() async {
        await Fuzz.run("record frame", count: 8000, input: Self.input) { bytes, _ in
            switch bytes.withUnsafeBytes({ RecordDecoder.decodeFrame($0, partition: 3) }) {
            case .record(let message, let size):
                try Fuzz.require(size >= RecordFormat.frameHeaderSize + RecordFormat.fixedBodySize && size <= bytes.count, "size \(size) of \(bytes.count) bytes")
                try Fuzz.require(message.partition == 3, "partition \(message.partition)")
                try Fuzz.require(RecordDecoderTests.frame(message) == Array(bytes.prefix(size)) || message.headers.contains { $0.name.contains("\u{FFFD}") }, "the record does not frame back to its bytes")
                return .accepted
            case .incomplete:
                return .rejected
            case .corrupt(let reason):
                try Fuzz.require(!reason.isEmpty, "no reason")
                return .rejected
            }
        }
    }

    @Test("every message frames and decodes back to itself, taking exactly its frame")
    func roundTrip() async {
        await Fuzz.run("record frame round trip", count: 4000, input: FuzzInput.message) { message in
            let bytes = RecordDecoderTests.frame(message) + [0xAB]
            guard case .record(let decoded, let size) = bytes.withUnsafeBytes({ RecordDecoder.decodeFrame($0, partition: message.partition) }) else {
                throw Fuzz.Violation("did not decode")
            }
            try Fuzz.require(decoded == message && size == bytes.count - 1, "came back as \(decoded), \(size) bytes")
            return .accepted
        }
    }
}
