import Testing
import SedimentZlib

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
