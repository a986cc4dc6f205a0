import Testing
@testable import Sediment

@Suite("Time expressions")
struct TimeExpressionTests {
    let now: Int64 = 1_795_608_971_938 // 2026-11-25T...

    @Test("ISO-8601 with a zone, Unix seconds and milliseconds name the same instant", arguments: [
        ("2026-11-25T10:00:00Z", 1_795_600_800_000),
        ("2026-11-25T10:00:00.250Z", 1_795_600_800_250),
        ("2026-11-25T18:00:00+08:00", 1_795_600_800_000),
        ("2026-11-25T05:30:00-04:30", 1_795_600_800_000),
        ("2026-11-25 10:00:00Z", 1_795_600_800_000),
        ("2026-11-25T10:00Z", 1_795_600_800_000),
        ("2026-11-25", 1_795_564_800_000),
        ("1795600800", 1_795_600_800_000),
        ("1795600800000", 1_795_600_800_000),
        ("0", 0),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1000),
        ("2000-02-29T00:00:00Z", 951_782_400_000),
    ] as [(String, Int64)])
    func absolute(text: String, expected: Int64) throws {
        #expect(try TimeExpression.parse(text, now: now) == expected)
    }

    @Test("relative times count from now")
    func relative() throws {
        #expect(try TimeExpression.parse("now", now: now) == now)
        #expect(try TimeExpression.parse("-2h", now: now) == now - 7_200_000)
        #expect(try TimeExpression.parse("-15m", now: now) == now - 900_000)
        #expect(try TimeExpression.parse("-7d", now: now) == now - 604_800_000)
        #expect(try TimeExpression.parse("+30s", now: now) == now + 30_000)
        #expect(try TimeExpression.parse("-1w", now: now) == now - 604_800_000)
    }

    @Test("what cannot be read is an error that quotes it", arguments: [
        "", "yesterday", "2026-11-25T10:00:00", "2026-13-01T00:00:00Z", "2026-11-25T25:00:00Z", "-2y", "-h", "12:00", "2026-11-25T10:00:00Zjunk",
    ])
    func invalid(text: String) {
        #expect {
            _ = try TimeExpression.parse(text, now: now)
        } throws: { error in
            (error as? SedimentError)?.message.contains("'\(text)'") == true
        }
    }

    @Test("printing and reading back agree across the calendar")
    func printedTimesReadBack() throws {
        var generator = SplitMix64(seed: 5)
        for _ in 0..<2000 {
            let instant = Int64(generator.next() % 8_000_000_000_000) - 1_000_000_000_000
            let text = Timestamp.iso8601(milliseconds: instant)
            #expect(try TimeExpression.parse(text, now: now) == instant, "\(text)")
        }
    }
}
