import Testing
@testable import Sediment

/// Messages with every shape the store must keep: binary and empty values, null and
/// binary keys, headers with null values, both timestamp types. Deterministic per seed.
struct MessageFactory {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    mutating func message(partition: Int32, offset: Int64, timestamp: Int64) -> Message {
        let shape = generator.next() % 8
        let key: [UInt8]? = switch shape {
        case 0: nil
        case 1: []
        case 2: bytes(Int(generator.next() % 16) + 1)
        default: Array("key-\(offset % 97)".utf8)
        }
        let value: [UInt8]? = switch shape {
        case 3: nil
        case 4: []
        case 5: bytes(Int(generator.next() % 300))
        default: Array("value \(offset) é ✓".utf8)
        }
        var headers: [Header] = []
        if shape % 2 == 1 {
            headers = [Header(name: "trace", value: bytes(8)), Header(name: "empty", value: nil), Header(name: "ü", value: [])]
        }
        return Message(
            partition: partition, offset: offset, timestamp: timestamp,
            timestampType: shape == 6 ? .logAppendTime : .createTime, key: key, headers: headers, value: value)
    }
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension TimeRangeCursor {
    func all() throws -> [Message] {
        var messages: [Message] = []
        while let message = try next() { messages.append(message) }
        return messages
    }
}

extension OffsetRangeCursor {
    func all() throws -> [Message] {
        var messages: [Message] = []
        while let message = try next() { messages.append(message) }
        return messages
    }
}

extension QueryCursor {
    func all() throws -> [TopicMessage] {
        var messages: [TopicMessage] = []
        while let message = try next() { messages.append(message) }
        return messages
    }
}

/// Compares two message lists and reports the count and the first difference, instead of
/// printing both lists whole.
func expectSame(_ actual: [Message], _ expected: [Message], sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual != expected else { return }
    let index = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] } ?? min(actual.count, expected.count)
    let got = index < actual.count ? "\(actual[index])" : "nothing"
    let wanted = index < expected.count ? "\(expected[index])" : "nothing"
    Issue.record("\(actual.count) messages, expected \(expected.count); first difference at \(index): got \(got), expected \(wanted)", sourceLocation: sourceLocation)
}
