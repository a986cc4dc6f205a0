/// Parses the times people type: ISO-8601 with a zone, Unix seconds or milliseconds,
/// `now`, and relative forms such as `-2h`, `-15m`, `-7d`, `+30s`.
public enum TimeExpression {
    /// Numbers at or above this are milliseconds (it is 5138 AD in seconds, 1973 in ms).
    static let millisecondsThreshold: Int64 = 100_000_000_000

    /// Milliseconds since the epoch, relative forms counted from `now`.
    public static func parse(_ text: String, now: Int64) throws -> Int64 {
        let trimmed = text.trimmingSpaces
        func fail(_ reason: String) -> SedimentError {
            SedimentError(
                .invalidArgument,
                "cannot read '\(text)' as a time: \(reason). Use ISO-8601 with a zone (2026-11-25T10:00:00Z), Unix seconds or milliseconds, 'now', or a relative time such as -2h, -15m, -7d",
                context: ["time": text])
        }
        if trimmed.isEmpty { throw fail("it is empty") }
        if trimmed == "now" { return now }
        if let first = trimmed.first, first == "-" || first == "+", let unit = trimmed.last, !unit.isNumber {
            guard let amount = Int64(trimmed.dropFirst().dropLast()), amount >= 0 else { throw fail("the amount is not a whole number") }
            let scale: Int64
            switch unit {
            case "s": scale = 1000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            case "w": scale = 604_800_000
            default: throw fail("unknown unit '\(unit)' (use s, m, h, d or w)")
            }
            let (delta, overflow) = amount.multipliedReportingOverflow(by: scale)
            let (time, beyond) = first == "-" ? now.subtractingReportingOverflow(delta) : now.addingReportingOverflow(delta)
            if overflow || beyond { throw fail("it is out of range") }
            return time
        }
        if trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let value = Int64(trimmed) else { throw fail("it is out of range") }
            return value >= millisecondsThreshold ? value : value * 1000
        }
        return try parseISO8601(trimmed, fail: fail)
    }

    /// `yyyy-MM-ddTHH:mm[:ss[.fff]](Z|±HH:mm)`, or a bare date `yyyy-MM-dd` taken as UTC midnight.
    private static func parseISO8601(_ text: String, fail: (String) -> SedimentError) throws -> Int64 {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"), let month = scanner.number(digits: 2),
            scanner.skip("-"), let day = scanner.number(digits: 2)
        else { throw fail("expected a date as yyyy-MM-dd") }
        guard (1...12).contains(month), (1...UTCDate.daysIn(month: month, year: year)).contains(day) else { throw fail("the date is out of range") }
        let days = UTCDate.days(year: year, month: month, day: day)
        if scanner.isAtEnd { return days * UTCDate.millisecondsPerDay }
        guard scanner.skip("T") || scanner.skip(" "), let hour = scanner.number(digits: 2), scanner.skip(":"),
            let minute = scanner.number(digits: 2)
        else { throw fail("expected a time as THH:mm after the date") }
        var second: Int64 = 0
        var millisecond: Int64 = 0
        if scanner.skip(":") {
            guard let value = scanner.number(digits: 2) else { throw fail("expected seconds as two digits") }
            second = value
            if scanner.skip(".") || scanner.skip(",") {
                guard let (fraction, count) = scanner.fraction() else { throw fail("expected digits after the decimal point") }
                millisecond = count >= 3 ? fraction / pow10(count - 3) : fraction * pow10(3 - count)
            }
        }
        guard hour < 24, minute < 60, second < 61 else { throw fail("the time of day is out of range") }
        let zoneOffset: Int64
        if scanner.skip("Z") || scanner.skip("z") {
            zoneOffset = 0
        } else if let sign = scanner.sign() {
            guard let zoneHour = scanner.number(digits: 2) else { throw fail("expected a zone as ±HH:mm") }
            _ = scanner.skip(":")
            let zoneMinute = scanner.number(digits: 2) ?? 0
            zoneOffset = sign * (zoneHour * 60 + zoneMinute) * 60_000
        } else {
            throw fail("it has no zone: add Z for UTC or an offset such as +08:00")
        }
        guard scanner.isAtEnd else { throw fail("unexpected text after the time") }
        return days * UTCDate.millisecondsPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond - zoneOffset
    }

    private static func pow10(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }
}

private struct DigitScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func skip(_ character: Character) -> Bool {
        guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
        position += 1
        return true
    }

    mutating func number(digits: Int) -> Int64? {
        guard position + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[position..<position + digits] {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        position += digits
        return value
    }

    mutating func fraction() -> (Int64, Int)? {
        var value: Int64 = 0
        var count = 0
        while position < bytes.count, bytes[position] >= 0x30 && bytes[position] <= 0x39 {
            if count < 9 { value = value * 10 + Int64(bytes[position] - 0x30); count += 1 }
            position += 1
        }
        return count == 0 ? nil : (value, count)
    }

    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        // Indices, not reversed collections: those made a query's first run pay for
        // instantiating their generic types.
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
