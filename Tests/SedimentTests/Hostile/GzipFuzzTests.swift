import PropertyBased
import SedimentZlib
import Testing

/// Gzip members: window files and objects as a query or a restore reads them back, from a
/// disk or a bucket that may hold anything.
@Suite("Fuzz: gzip members")
struct GzipFuzzTests {
    static let plain: [[UInt8]] = [[], Array("a".utf8), Array(String(repeating: "{\"offset\":1,\"ts\":2}\n", count: 40).utf8), (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 131) }]
    static let seeds: [[UInt8]] = {
        let members = plain.enumerated().map { index, bytes in (try? GzipMember.compress(bytes, level: Int32(index * 3 % 10))) ?? [] }
        return members + [members[1] + members[2], members[2] + members[3] + members[0]]
    }()

    static let input = FuzzInput.bytes(seeds: seeds, tokens: [[0x1F, 0x8B, 0x08], [0x1F, 0x8B], [0x08, 0x04], [0xFF, 0xFF], [0, 0, 0, 0]], maxLength: 1200)

    static func checkRejection(_ error: any Error) throws {
        guard let error = error as? ZlibError else { throw Fuzz.Violation("not a ZlibError: \(error)") }
        try Fuzz.require(!error.message.isEmpty && !error.operation.isEmpty, "error \(error)")
    }

    @Test("any bytes inflate, or are refused with zlib's reason; never a trap or a hang")
    func inflate() async {
        await Fuzz.run("gzip inflate", count: 5000, input: Self.input) { bytes in
            do {
                _ = try bytes.withUnsafeBytes { try GzipInflater.decompress($0) }
                return .accepted
            } catch {
                try Self.checkRejection(error)
                return .rejected
            }
        }
    }

    @Test("the member scanner, fed any bytes in any chunks, finds members that tile what it read and inflate on their own")
    func scan() async {
        let input = zip(Self.input, Gen.int(in: 1...64))
        await Fuzz.run("gzip member scan", count: 3000, input: input) { bytes, chunk in
            var members: [GzipMemberScanner.Member] = []
            do {
                let scanner = try GzipMemberScanner(maxMemberOutput: 1 << 20)
                for start in stride(from: 0, to: bytes.count, by: chunk) {
                    try bytes[start..<min(bytes.count, start + chunk)].withUnsafeBytes { part in try scanner.feed(part) { members.append($0) } }
                }
                try scanner.finish()
            } catch {
                try Self.checkRejection(error)
                return .rejected
            }
            var next: Int64 = 0
            for member in members {
                try Fuzz.require(member.offset == next && member.length > 0, "member at \(member.offset), \(member.length) bytes, after \(next)")
                next += Int64(member.length)
                let alone = Array(bytes[Int(member.offset)..<Int(next)])
                try Fuzz.require(try alone.withUnsafeBytes { try GzipInflater.decompress($0) } == member.output, "member at \(member.offset) inflates otherwise alone")
            }
            try Fuzz.require(next == bytes.count, "members cover \(next) of \(bytes.count) bytes")
            return .accepted
        }
    }

    @Test("any bytes, compressed at any level, inflate back to themselves")
    func roundTrip() async {
        let input = zip(FuzzInput.bytes(seeds: Self.plain.filter { !$0.isEmpty }, tokens: [], maxLength: 4000), Gen.int(in: 0...9))
        await Fuzz.run("gzip round trip", count: 1500, input: input) { bytes, level in
            let member = try GzipMember.compress(bytes, level: Int32(level))
            try Fuzz.require(try member.withUnsafeBytes { try GzipInflater.decompress($0) } == bytes, "did not inflate back")
            return .accepted
        }
    }
}
