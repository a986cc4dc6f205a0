/// A kcat output format string (`kcat -C -f`), parsed once and applied to each message,
/// byte for byte as kcat 1.7 prints it (`format.c`: `fmt_parse`, `fmt_msg_output_str`):
///
/// | token | prints |
/// |---|---|
/// | `%t` `%p` `%o` `%T` | topic, partition, offset, timestamp (ms since the epoch) |
/// | `%k` `%s` | key, value: the bytes as they are; nothing when null or empty |
/// | `%K` `%S` | key, value length in decimal; `-1` when null |
/// | `%R` | value length (`-1` when null) as a big-endian 32-bit integer, 4 bytes |
/// | `%h` | headers `name=value` joined by `,`; a null value prints `NULL`; each name and value up to its first NUL byte |
/// | `%%` | `%` |
///
/// Text between tokens takes kcat's escapes (see `KcatFormat+Escapes.swift`).
public struct KcatFormat: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case text([UInt8])
        case topic, partition, offset, timestamp, key, keyLength, value, valueLength, valueLengthBinary, headers
    }

    public let string: String
    let pieces: [Piece]

    /// An unknown token, or a `%` ending the string, is an error (kcat exits on both).
    public init(_ string: String) throws {
        self.string = string
        let bytes = Array(string.utf8)
        var pieces: [Piece] = []
        var start = 0
        while start < bytes.count {
            guard let percent = bytes[start...].firstIndex(of: UInt8(ascii: "%")) else {
                pieces.append(.text(Self.unescaped(bytes[start...])))
                break
            }
            if percent > start { pieces.append(.text(Self.unescaped(bytes[start..<percent]))) }
            guard percent + 1 < bytes.count else {
                throw SedimentError(.invalidArgument, "`formatString` '\(string)' ends with a lone '%' (write %% for a percent sign)")
            }
            let token = bytes[percent + 1]
            guard let piece = Self.tokens[token] else {
                let shown = String(String(decoding: bytes[percent...], as: UTF8.self).prefix(2))
                throw SedimentError(
                    .invalidArgument,
                    "`formatString` '\(string)' has an unknown token '\(shown)' (kcat's are %t %p %o %T %k %K %s %S %R %h and %%)")
            }
            pieces.append(piece)
            start = percent + 2
        }
        self.pieces = pieces
    }

    private static let tokens: [UInt8: Piece] = [
        UInt8(ascii: "t"): .topic, UInt8(ascii: "p"): .partition, UInt8(ascii: "o"): .offset, UInt8(ascii: "T"): .timestamp,
        UInt8(ascii: "k"): .key, UInt8(ascii: "K"): .keyLength, UInt8(ascii: "s"): .value, UInt8(ascii: "S"): .valueLength,
        UInt8(ascii: "R"): .valueLengthBinary, UInt8(ascii: "h"): .headers,
        // kcat copies the second '%' as text, without escapes.
        UInt8(ascii: "%"): .text([UInt8(ascii: "%")]),
    ]

    /// Appends `message` of `topic` as the format prints it.
    public func append(_ message: Message, topic: String, to out: inout [UInt8]) {
        for piece in pieces {
            switch piece {
            case .text(let bytes): out.append(contentsOf: bytes)
            case .topic: out.append(contentsOf: topic.utf8)
            case .partition: Self.appendDecimal(Int64(message.partition), to: &out)
            case .offset: Self.appendDecimal(message.offset, to: &out)
            case .timestamp: Self.appendDecimal(message.timestamp, to: &out)
            case .key: if let key = message.key { out.append(contentsOf: key) }
            case .keyLength: Self.appendDecimal(message.key.map { Int64($0.count) } ?? -1, to: &out)
            case .value: if let value = message.value { out.append(contentsOf: value) }
            case .valueLength: Self.appendDecimal(message.value.map { Int64($0.count) } ?? -1, to: &out)
            case .valueLengthBinary:
                let length = UInt32(truncatingIfNeeded: message.value?.count ?? -1)
                withUnsafeBytes(of: length.bigEndian) { out.append(contentsOf: $0) }
            case .headers: Self.appendHeaders(message.headers, to: &out)
            }
        }
    }

    /// kcat prints names with `%s` and values with `%.*s`: both stop at a NUL byte.
    private static func appendHeaders(_ headers: [Header], to out: inout [UInt8]) {
        for (index, header) in headers.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: header.name.utf8.prefix { $0 != 0 })
            out.append(UInt8(ascii: "="))
            if let value = header.value {
                out.append(contentsOf: value.prefix { $0 != 0 })
            } else {
                out.append(contentsOf: "NULL".utf8)
            }
        }
    }

    private static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }
}
