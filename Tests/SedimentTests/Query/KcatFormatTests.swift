import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// kcat's format strings: what kcat's help documents, and byte-identical output to kcat
/// itself consuming the same messages from the mock cluster.
@Suite("kcat format strings")
struct KcatFormatTests {
    let scratch = TemporaryDirectory(label: "kcat-format")

    func formatted(_ format: String, _ message: Message, topic: String = "t") throws -> [UInt8] {
        var out: [UInt8] = []
        try KcatFormat(format).append(message, topic: topic, to: &out)
        return out
    }

    @Test("lengths are -1 for null and 0 for empty; %R is 4 big-endian bytes; %h prints NULL for a null value")
    func documentedTokens() throws {
        let null = Message(partition: 7, offset: 42, timestamp: 1_700_000_000_123, key: nil, value: nil)
        #expect(try formatted("%t %p %o %T [%k] %K [%s] %S", null, topic: "orders") == Array("orders 7 42 1700000000123 [] -1 [] -1".utf8))
        let empty = Message(offset: 0, timestamp: 0, key: [], headers: [Header(name: "a", value: nil), Header(name: "b", value: [])], value: [])
        #expect(try formatted("%K %S %h", empty) == Array("0 0 a=NULL,b=".utf8))
        #expect(try formatted("%R", null) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try formatted("%R%s", Message(offset: 0, timestamp: 0, value: Array(repeating: 1, count: 258))) == [0, 0, 1, 2] + Array(repeating: 1, count: 258))
        #expect(try formatted("100%%\\t%%s\\n", null) == Array("100%\t%s\n".utf8))
    }

    @Test("an unknown token and a lone % are usage errors naming the setting")
    func refusals() {
        #expect {
            try KcatFormat("%s %x")
        } throws: { error in
            let error = error as? SedimentError
            return error?.code == .invalidArgument && error?.message.contains("`formatString` '%s %x' has an unknown token '%x'") == true
        }
        #expect {
            try KcatFormat("%s\\n%")
        } throws: { error in
            (error as? SedimentError)?.message.contains("ends with a lone '%'") == true
        }
    }

    /// Escapes, kcat's quirks included: `\x` needs a digit after it (`\xff` is `ff`), a
    /// number is read as C's strtoul reads it and kept to its low byte (`\321` is `A`,
    /// overflow is 0xFF), a NUL ends the text up to the next token (`\0`, `\256`), a `\`
    /// before a token stays.
    static let formats = [
        "%t|%p|%o|%T|%K|%k|%S|%s|%h\\n",
        "%R%s",
        "key=%k\\tvalue=%s\\r\\n%%done%%\\n",
        "\\x41\\0101\\101\\x0x42\\xff\\\\\\q\\321\\99999999999999999999999|x\\%s|\\é\\n",
        "[%k]a\\0b[%s]\\x7|\\256z%o\\n",
        "%h%h\\n",
        "plain",
    ]

    @Test("output is byte-identical to kcat's, partition by partition, on messages of every shape from the mock cluster")
    func sameBytesAsKcat() throws {
        let fixture = try KafkaFixture(topics: ["shapes": 2])
        try fixture.produce(topic: "shapes", partitions: 2, count: 300)
        let handmade: [(key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8]?)])] = [
            (nil, nil, []),
            ([], [], [("h", nil), ("h", []), ("h", Array("dup".utf8))]),
            ([0x00, 0xFF, 0x0A], [0x00, 0x01, 0x0A, 0xC3, 0x28], [("nul", [0x61, 0x00, 0x62]), ("bin", [0xFF, 0xFE])]),
            (Array("ключ".utf8), Array("значение\twith\ttabs".utf8), [("ü", Array("ö".utf8)), ("", Array("unnamed".utf8))]),
            (Array("k".utf8), Array(repeating: 0x7A, count: 70_000), []),
        ]
        for partition in Int32(0)..<2 {
            for message in handmade {
                try fixture.producer.produce(
                    topic: "shapes", partition: partition, key: message.key, value: message.value, headers: message.headers,
                    timestamp: 1_764_000_500_000)
            }
        }
        try fixture.producer.flush(timeout: .seconds(30))
        // A LogAppendTime batch: %T is the broker's time.
        try RawProduce.send(
            [RawProduce.Record(key: Array("stamped".utf8), value: nil, headers: [("x", nil)])], topic: "shapes", partition: 1,
            timestamp: 1_764_000_900_000, logAppendTime: true, broker: fixture.bootstrap)

        let archive = scratch.file("archive")
        let dump = try CLIProcess.run(
            ["dump", "--brokers", fixture.bootstrap, "--topic", "shapes", "--archive", archive, "--until-caught-up", "--linger", "50ms"],
            scratch: scratch, timeout: .seconds(120))
        #expect(dump.succeeded, "\(dump.summary)")

        for format in Self.formats {
            for partition in 0..<2 {
                let theirs = try Kcat.run(["-C", "-q", "-b", fixture.bootstrap, "-t", "shapes", "-p", "\(partition)", "-o", "beginning", "-e", "-f", format])
                let ours = try CLIProcess.succeed(
                    ["query", "--archive", archive, "--topic", "shapes", "--from", "0", "--partition", "\(partition)", "--order", "offset", "-f", format],
                    scratch: scratch)
                #expect(theirs.count > 150 * 4, "kcat printed every message of partition \(partition) with '\(format)': \(theirs.count) bytes")
                if ours != theirs {
                    let (ours, theirs) = (Array(ours), Array(theirs))
                    let at = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs.count)
                    Issue.record("""
                        '\(format)' partition \(partition): \(ours.count) bytes, kcat \(theirs.count); first difference at byte \(at): \
                        ours \(Array(ours.dropFirst(max(0, at - 20)).prefix(40))), kcat's \(Array(theirs.dropFirst(max(0, at - 20)).prefix(40)))
                        """)
                }
            }
        }
    }
}
