import Foundation
import Testing
@testable import Sediment

/// kcat's format strings: what kcat's help documents.
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
}
