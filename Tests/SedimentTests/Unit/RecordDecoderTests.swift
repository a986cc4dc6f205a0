import SedimentZlib
import Testing
@testable import Sediment

@Suite("RecordDecoder")
struct RecordDecoderTests {
    static func frame(_ message: Message) -> [UInt8] {
        var bytes: [UInt8] = []
        RecordFormat.append(message, to: &bytes)
        return bytes
    }

    static func decode(_ bytes: [UInt8], partition: Int32 = 0) -> RecordDecoder.Frame {
        bytes.withUnsafeBytes { RecordDecoder.decodeFrame($0, partition: partition) }
    }

    static let sample = Message(
        partition: 4, offset: 77, timestamp: -1_234, timestampType: .logAppendTime, key: [],
        headers: [Header(name: "ü", value: nil), Header(name: "h", value: [0, 255])], value: nil)

    @Test("a frame decodes to the message with the partition it is read for, and says how many bytes it took")
    func decodes() {
        let bytes = Self.frame(Self.sample) + [0xAA, 0xBB]
        guard case .record(let message, let size) = Self.decode(bytes, partition: 4) else {
            Issue.record("did not decode")
            return
        }
        #expect(message == Self.sample)
        #expect(size == bytes.count - 2)
        #expect(size == RecordFormat.frameHeaderSize + RecordFormat.bodySize(key: 0, headers: Self.sample.headers, value: nil))
    }

    @Test("a frame cut anywhere is incomplete, not corrupt: a torn tail")
    func torn() {
        let bytes = Self.frame(Self.sample)
        for length in 0..<bytes.count {
            guard case .incomplete = Self.decode(Array(bytes.prefix(length))) else {
                Issue.record("a frame cut to \(length) of \(bytes.count) bytes was not incomplete")
                return
            }
        }
    }

    @Test("any flipped byte of the body fails the CRC")
    func flippedByte() {
        let bytes = Self.frame(Self.sample)
        for position in RecordFormat.frameHeaderSize..<bytes.count {
            var damaged = bytes
            damaged[position] ^= 0x01
            guard case .corrupt(let reason) = Self.decode(damaged) else {
                Issue.record("a flip at \(position) decoded")
                continue
            }
            #expect(reason == "CRC mismatch")
        }
    }

    @Test("a length below the fixed fields or past 1 GiB is corrupt without reading on")
    func lengthOutOfRange() {
        for length in [UInt32(0), UInt32(RecordFormat.fixedBodySize - 1), UInt32(RecordFormat.maximumBodySize + 1)] {
            var bytes = Self.frame(Self.sample)
            bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: length.littleEndian, Array.init))
            guard case .corrupt(let reason) = Self.decode(bytes) else {
                Issue.record("length \(length) was accepted")
                continue
            }
            #expect(reason.contains("out of range"))
        }
    }

    @Test("a body whose fields do not add up to its length is corrupt even with a matching CRC")
    func layoutMismatch() {
        var bytes = Self.frame(Message(offset: 1, timestamp: 2, value: [1, 2, 3]))
        // One byte more than the fields need, with its CRC recomputed.
        bytes.append(0)
        let body = bytes.count - RecordFormat.frameHeaderSize
        bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(body).littleEndian, Array.init))
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[RecordFormat.frameHeaderSize...])) }
        bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: crc.littleEndian, Array.init))
        guard case .corrupt(let reason) = Self.decode(bytes) else {
            Issue.record("a body with a stray byte decoded")
            return
        }
        #expect(reason == "record body does not match its length")
    }
}
