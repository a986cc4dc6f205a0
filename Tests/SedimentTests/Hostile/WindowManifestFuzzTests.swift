import Foundation
import PropertyBased
import Testing

@testable import Sediment

/// Window manifests (`<key>.manifest.json`) as a query or restore from a bucket reads them.
@Suite("Fuzz: window manifests")
struct WindowManifestFuzzTests {
    static let manifest = WindowManifest(
        instance: "prod", topic: "orders", windowStart: 1_764_064_800_000, windowEnd: 1_764_065_100_000, part: 1, format: "jsonl",
        windowTime: "message", level: 6, count: 30, minTimestamp: 1_764_064_800_012, maxTimestamp: 1_764_065_099_987,
        partitions: [.init(partition: 0, firstOffset: 0, lastOffset: 9, count: 10), .init(partition: 3, firstOffset: 5, lastOffset: 24, count: 20)],
        size: 3000, md5: String(repeating: "a", count: 32), sha256: String(repeating: "0", count: 64),
        members: [.init(offset: 0, length: 1000, minTimestamp: 1_764_064_800_012, maxTimestamp: 1_764_064_900_000, count: 10, inputSize: 4000),
                  .init(offset: 1000, length: 2000, minTimestamp: 1_764_064_900_001, maxTimestamp: 1_764_065_099_987, count: 20, inputSize: 9000)])

    static let seeds: [[UInt8]] = {
        var legacy = manifest
        legacy.windowTime = nil
        legacy.members = []
        return [manifest, legacy].compactMap { try? Array($0.encoded()) }
    }()

    static let key = "prod/orders/2025-11-25/1764064800.jsonl.gz.manifest.json"

    @Test("a manifest decodes, or is refused naming its key and what is wrong")
    func manifests() async {
        let tokens = ["9223372036854775807", "-9223372036854775808", "1e400", "null", "\"\"", "[]", "{}", "\"..\"", "\"../../x\"", "\"\\u0000\"", ",", ":", "\"count\":", "\"length\":", "\"offset\":"].map { Array($0.utf8) }
        await Fuzz.run("window manifest", count: 5000, input: FuzzInput.bytes(seeds: Self.seeds, tokens: tokens, maxLength: 1500)) { bytes in
            do {
                let decoded = try WindowManifest.decode(Data(bytes), key: Self.key)
                try Fuzz.require(decoded.members.allSatisfy { $0.length > 0 }, "a member without bytes")
                return .accepted
            } catch let error as SedimentError {
                try Fuzz.require(error.code == .invalidInput && error.context["key"] == Self.key, "context \(error.context)")
                try Fuzz.require(error.message.hasPrefix("manifest \(Self.key): "), "message \(error.message)")
                return .rejected
            }
        }
    }

    @Test("a manifest Sediment writes decodes to itself")
    func roundTrip() async {
        let input = zip(Gen<Int64>.value(in: -1_000_000...Int64.max / 4), Gen.int(in: 1...1_000_000), Gen.int(in: 1...50), Gen.int(in: 0...3))
        await Fuzz.run("window manifest round trip", count: 2000, input: input) { start, length, part, memberCount in
            var manifest = Self.manifest
            manifest.windowStart = start
            manifest.windowEnd = start + 1
            manifest.part = part
            manifest.members = (0..<memberCount).map { index in
                WindowManifest.Member(offset: Int64(index * length), length: length, minTimestamp: start, maxTimestamp: start, count: index == 0 ? 30 : 0, inputSize: length)
            }
            manifest.size = Int64(memberCount * length)
            if memberCount == 0 { manifest.size = 0 }
            let decoded = try WindowManifest.decode(try manifest.encoded(), key: Self.key)
            try Fuzz.require(decoded == manifest, "decoded as \(decoded)")
            return .accepted
        }
    }

    @Test("found by fuzzing: member and partition counts that add up past Int64, and names that would escape, are refused, not a trap")
    func regressions() throws {
        var huge = Self.manifest
        huge.members = [.init(offset: 0, length: Int.max, minTimestamp: 0, maxTimestamp: 0, count: 1, inputSize: 1),
                        .init(offset: Int64.max, length: 1, minTimestamp: 0, maxTimestamp: 0, count: 1, inputSize: 1)]
        var many = Self.manifest
        many.partitions = [.init(partition: 0, firstOffset: 0, lastOffset: 0, count: Int.max), .init(partition: 1, firstOffset: 0, lastOffset: 0, count: 2)]
        var counted = Self.manifest
        counted.members[0].count = Int.max
        var escaping = Self.manifest
        escaping.topic = "../../etc"
        for (manifest, reason) in [(huge, "past any object"), (many, "partitions add up"), (counted, "past any object"), (escaping, "invalid topic name '../../etc'")] {
            let error = try #require(throws: SedimentError.self) { try WindowManifest.decode(try manifest.encoded(), key: Self.key) }
            #expect(error.message.hasPrefix("manifest \(Self.key): ") && error.message.contains(reason), "\(error)")
        }
    }

    @Test("a codec this Sediment does not read is refused naming the manifest and the value, never read as gzip")
    func unknownCodec() throws {
        let written = String(decoding: try Self.manifest.encoded(), as: UTF8.self)
        try #require(written.contains(#""compression":"gzip""#))
        let data = Data(written.replacingOccurrences(of: #""compression":"gzip""#, with: #""compression":"lz4""#).utf8)
        let error = try #require(throws: SedimentError.self) { try WindowManifest.decode(data, key: Self.key) }
        #expect(error.code == .invalidInput && error.message == "manifest \(Self.key): compression 'lz4' is not one this Sediment reads (gzip, zstd or none)", "\(error)")
    }

}
