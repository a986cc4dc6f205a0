import Testing
@testable import SedimentZlib

@Suite("CRC-32")
struct CRC32Tests {
    @Test("matches the published check values of CRC-32/ISO-HDLC")
    func checkValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test("a checksum continued over pieces equals the checksum of the whole")
    func continued() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32.checksum(bytes)
        for cut in [0, 1, 4095, 9999, 10_000] {
            let head = bytes[..<cut].withUnsafeBytes { CRC32.checksum($0) }
            let both = bytes[cut...].withUnsafeBytes { CRC32.checksum($0, continuing: head) }
            #expect(both == whole, "cut at \(cut)")
        }
    }
}

@Suite("CRC-32 folding")
struct CRC32FoldingTests {
    @Test("equals zlib's CRC for every length from 0 to 600, at every alignment, and when continued")
    func matchesZlib() {
        #expect(CRC32.folds, "this machine has PCLMULQDQ: the folding path must be the one tested")
        var state: UInt64 = 0x1234_5678
        let bytes: [UInt8] = (0..<(1 << 20) + 64).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            for offset in 0..<16 {
                for length in 0...600 {
                    let slice = UnsafeRawBufferPointer(start: base + offset, count: length)
                    #expect(CRC32.checksum(slice) == CRC32.zlibChecksum(base + offset, length, continuing: 0), "offset \(offset), length \(length)")
                }
            }
            let whole = UnsafeRawBufferPointer(start: base, count: 1 << 20)
            let reference = CRC32.zlibChecksum(base, 1 << 20, continuing: 0)
            #expect(CRC32.checksum(whole) == reference)
            let first = CRC32.checksum(UnsafeRawBufferPointer(start: base, count: 1000))
            #expect(CRC32.checksum(UnsafeRawBufferPointer(start: base + 1000, count: (1 << 20) - 1000), continuing: first) == reference)
        }
    }
}
