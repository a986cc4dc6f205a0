import PropertyBased

@testable import Sediment

/// Inputs for the fuzz targets: real inputs mutated a little (so that parsers get past
/// their first checks and fail deep inside, or not at all), and plain random bytes.
enum FuzzInput {
    /// Mutations of `seeds`, three in four draws, and random bytes the fourth: each
    /// mutation flips, inserts, deletes or repeats bytes, inserts one of `tokens` (the
    /// format's own punctuation and keywords), splices in another seed, or cuts the end.
    static func bytes(seeds: [[UInt8]], tokens: [[UInt8]], maxLength: Int = 512) -> Generator<[UInt8], Shrink.None<[UInt8]>> {
        precondition(!seeds.isEmpty)
        let tokens = tokens + interesting
        return Generator { rng in
            if Int.random(in: 0..<4, using: &rng) == 0 {
                let count = Int.random(in: 0...min(maxLength, 96), using: &rng)
                return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<8, using: &rng) {
                case 0 where !bytes.isEmpty:
                    bytes[min(at, bytes.count - 1)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                case 1:
                    bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                case 2:
                    bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
                case 3:
                    let end = min(bytes.count, at + Int.random(in: 1...16, using: &rng))
                    bytes.insert(contentsOf: Array(bytes[at..<end]), at: at)
                case 4, 5:
                    bytes.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: at)
                case 6:
                    let other = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                    let from = Int.random(in: 0...other.count, using: &rng)
                    bytes = Array(bytes[..<at]) + other[from...]
                default:
                    bytes.removeSubrange(at...)
                }
            }
            return Array(bytes.prefix(maxLength))
        }
    }

    /// The same as text: mutations that break UTF-8 are kept as they come out, decoded
    /// with replacement characters, since parsers of text get Swift strings.
    static func text(seeds: [String], tokens: [String], maxLength: Int = 512) -> Generator<String, Shrink.None<String>> {
        let bytes = bytes(seeds: seeds.map { Array($0.utf8) }, tokens: tokens.map { Array($0.utf8) }, maxLength: maxLength)
        return Generator { rng in String(decoding: bytes.run(using: &rng), as: UTF8.self) }
    }

    /// Messages of every shape, fields at their extremes: null, empty and binary keys and
    /// values (bytes that are not UTF-8, control characters, quotes), header names of any
    /// Unicode, offsets and timestamps anywhere in Int64, all partitions and types.
    static let message = Generator<Message, Shrink.None<Message>> { rng in
        func bytes() -> [UInt8]? {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: return nil
            case 1: return []
            case 2: return Array(String(Self.interesting.randomElement(using: &rng).map { String(decoding: $0, as: UTF8.self) } ?? "").utf8)
            default: return (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
        }
        func integer() -> Int64 {
            Bool.random(using: &rng) ? Int64.random(in: .min ... .max, using: &rng) : [0, -1, .min, .max, 1_795_608_971_938].randomElement(using: &rng)!
        }
        let headers = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            let name = String((0..<Int.random(in: 0...8, using: &rng)).map { _ in
                Character(Unicode.Scalar(UInt32.random(in: 0...0x2FF, using: &rng)) ?? "x")
            })
            return Header(name: name, value: bytes())
        }
        return Message(
            partition: Bool.random(using: &rng) ? Int32.random(in: 0...Int32.max, using: &rng) : 0,
            offset: Bool.random(using: &rng) ? Int64.random(in: 0..<Int64.max, using: &rng) : [0, Int64.max - 1].randomElement(using: &rng)!, timestamp: integer(),
            timestampType: TimestampType.allCases.randomElement(using: &rng)!, key: bytes(), headers: headers, value: bytes())
    }

    /// One of `values`, each as likely.
    static func element<T: Sendable>(of values: [T]) -> Generator<T, Shrink.None<T>> {
        precondition(!values.isEmpty)
        return Generator { rng in values[Int.random(in: 0..<values.count, using: &rng)] }
    }

    /// What breaks parsers everywhere: boundaries of integers, signs, empty and odd
    /// separators, control characters, and Unicode that looks like something else.
    static let interesting: [[UInt8]] = [
        "0", "-1", "-", "+", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "18446744073709551615", "4294967295", "2147483648", "99999999999999999999", "1e309", ".", "..", "/", "//", "\\",
        " ", "\t", "\r\n", "\n", "\u{0}", "\u{7F}", "%", "%00", "%2F", "%zz", "&", "=", "?", "{", "}", "[", "]", "\"", ":", ",",
        "\u{202E}", "\u{0301}", "e\u{0301}", "\u{00E9}", "\u{FEFF}", "\u{1F600}", "\u{FFFD}",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]]
}
