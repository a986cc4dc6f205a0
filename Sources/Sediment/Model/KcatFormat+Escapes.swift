extension KcatFormat {
    /// The text between two tokens, with kcat's escapes applied as its `fmt_add` does,
    /// quirks included, so that a format string prints what kcat prints:
    ///
    /// - `\t`, `\n`, `\r`: tab, newline, carriage return;
    /// - `\` and a digit: the number C's `strtoul` reads from there with base 0 (`65`
    ///   decimal, `0101` octal, `0x41` hex), as one byte, its low 8 bits (`\x` and a digit:
    ///   the same in hex);
    /// - `\` and anything else: that character, so `\\` is one backslash and `\xff` (no
    ///   digit after the `x`) is `ff`; a `\` ending the text stays a `\`;
    /// - the text ends at its first NUL byte (kcat keeps it as a C string), so `\0` drops
    ///   the rest of the text up to the next token.
    static func unescaped(_ text: ArraySlice<UInt8>) -> [UInt8] {
        let bytes = Array(text)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                out.append(bytes[index])
                index += 1
                continue
            }
            index += 1
            var base = 0
            switch bytes[index] {
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            default:
                if bytes[index] == UInt8(ascii: "x") {
                    index += 1
                    base = 16
                    // kcat reads on past the end of its string here; what it can print is
                    // the text so far, cut by the NUL it writes.
                    guard index < bytes.count else { return out }
                }
                if isDigit(bytes[index]) {
                    let (value, end) = parseUnsigned(bytes, from: index, base: base)
                    out.append(UInt8(truncatingIfNeeded: value))
                    index = end - 1
                } else {
                    out.append(bytes[index])
                }
            }
            index += 1
        }
        if let nul = out.firstIndex(of: 0) { out.removeSubrange(nul...) }
        return out
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// glibc's `strtoul` from a digit at `start`, base 0 or 16: the value (`UInt64.max` on
    /// overflow, as `ULONG_MAX`) and the index after the last byte it read. A `0x` without
    /// a hex digit after it reads as 0, ending at the `x`.
    static func parseUnsigned(_ bytes: [UInt8], from start: Int, base: Int) -> (value: UInt64, end: Int) {
        var radix = base
        var index = start
        if bytes[index] == UInt8(ascii: "0") {
            let next = index + 1
            if radix == 0 || radix == 16, next < bytes.count, bytes[next] | 0x20 == UInt8(ascii: "x") {
                if next + 1 < bytes.count, let digit = digitValue(bytes[next + 1]), digit < 16 {
                    index += 2
                    radix = 16
                } else {
                    return (0, next)
                }
            } else if radix == 0 {
                radix = 8
            }
        }
        if radix == 0 { radix = 10 }
        var value: UInt64 = 0
        var overflowed = false
        while index < bytes.count, let digit = digitValue(bytes[index]), digit < radix {
            let (times, overflow1) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (plus, overflow2) = times.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { overflowed = true }
            value = plus
            index += 1
        }
        return (overflowed ? .max : value, index)
    }
}
