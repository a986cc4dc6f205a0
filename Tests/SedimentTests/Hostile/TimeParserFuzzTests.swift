import PropertyBased
import Testing

@testable import Sediment

/// The time parser (`--from`, `--to`, `--start timestamp:`), durations and sizes, on
/// mutated real inputs and random bytes.
@Suite("Fuzz: time, duration and size expressions")
struct TimeParserFuzzTests {
    static let now: Int64 = 1_795_608_971_938

    static let timeSeeds = [
        "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.250Z", "2026-11-25T18:00:00+08:00", "2026-11-25T05:30:00-04:30",
        "2026-11-25 10:00:00Z", "2026-11-25T10:00Z", "2026-11-25", "1795600800", "1795600800000", "now", "-2h", "+30s", "-7d", "-1w",
        "0001-01-01T00:00:00,123456789+14:00", " now\t",
    ]

    /// An error the CLI prints: it quotes what was typed and says what is accepted.
    static func checkRejection(_ error: any Error, input: String, field: String) throws {
        guard let error = error as? SedimentError else { throw Fuzz.Violation("not a SedimentError: \(error)") }
        try Fuzz.require(error.code == .invalidArgument, "code \(error.code)")
        try Fuzz.require(error.context[field] == input, "context \(error.context) does not name the input")
        try Fuzz.require(error.message.contains("'\(input)'"), "message does not quote the input: \(error.message)")
    }

    @Test("a time either parses or is refused with an error quoting it; a date parses only as itself")
    func time() async {
        let input = FuzzInput.text(seeds: Self.timeSeeds, tokens: ["T", "Z", "z", "-", ":", ".", "+", "now", "s", "m", "h", "d", "w", "99", "00", "60", "02-29", "02-31"])
        await Fuzz.run("time", count: 6000, input: input) { text in
            let parsed: Int64
            do {
                parsed = try TimeExpression.parse(text, now: Self.now)
            } catch {
                try Self.checkRejection(error, input: text, field: "time")
                return .rejected
            }
            // A bare date is UTC midnight of that very day: no 31st of February.
            let trimmed = text.trimmingSpaces
            if trimmed.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil {
                try Fuzz.require(UTCDate.day(ofMilliseconds: parsed) == trimmed, "read as \(UTCDate.day(ofMilliseconds: parsed))")
            }
            return .accepted
        }
    }

    @Test("Sediment's own ISO-8601 text of any instant of years 0 to 9999 parses back to that instant")
    func timeRoundTrip() async {
        let input = Gen<Int64>.value(in: -62_167_219_200_000...253_402_300_799_999)
        await Fuzz.run("time round trip", count: 3000, input: input) { milliseconds in
            let text = Timestamp.iso8601(milliseconds: milliseconds)
            try Fuzz.require(try TimeExpression.parse(text, now: Self.now) == milliseconds, "\(text) did not parse back to \(milliseconds)")
            return .accepted
        }
    }

    /// A whole number with a unit, as `option` takes it: read, or refused naming the option
    /// and the text; what it reads as prints as a text that reads back the same.
    static func checkUnits(_ text: String, option: String, parse: (String) throws -> Int64, format: (Int64) -> String) throws -> Fuzz.Outcome {
        let value: Int64
        do {
            value = try parse(text)
        } catch {
            guard let error = error as? SedimentError else { throw Fuzz.Violation("not a SedimentError: \(error)") }
            try Fuzz.require(error.context == ["option": option, "value": text], "context \(error.context)")
            try Fuzz.require(error.message.contains("\(option) '\(text)'"), "message \(error.message)")
            return .rejected
        }
        try Fuzz.require(value >= 0, "negative: \(value)")
        let again = try parse(format(value))
        try Fuzz.require(again == value, "text \(format(value)) reads as \(again)")
        return .accepted
    }

    @Test("a duration either parses, to what its text says, or is refused naming the option and value")
    func duration() async {
        let seeds = ["500ms", "30s", "5m", "1h", "7d", "0s", "15m", "90s", "9223372036854775807ms"]
        let input = FuzzInput.text(seeds: seeds, tokens: ["ms", "s", "m", "h", "d", "-", "0"])
        await Fuzz.run("duration", count: 4000, input: input) { text in
            try Self.checkUnits(text, option: "--window", parse: { try DurationExpression.milliseconds($0, option: "--window") }, format: DurationExpression.text(milliseconds:))
        }
    }

    @Test("a size either parses, to what its text says, or is refused naming the option and value")
    func size() async {
        let seeds = ["500MB", "1MiB", "64KB", "1048576", "16 MiB", "1GiB", "3G", "0B", "8589934591GiB"]
        let input = FuzzInput.text(seeds: seeds, tokens: ["K", "M", "G", "B", "i", "KiB", "GB", " ", "-"])
        await Fuzz.run("size", count: 4000, input: input) { text in
            try Self.checkUnits(text, option: "--max-archive-size", parse: { try ByteSizeExpression.parse($0, option: "--max-archive-size") }, format: ByteSizeExpression.text)
        }
    }

    @Test("found by fuzzing: a relative time or a duration past Int64 is refused, not a trap; so is the 31st of February")
    func regressions() throws {
        for text in ["+9223372036854775s", "+106751991167d"] {
            let error = try #require(throws: SedimentError.self) { try TimeExpression.parse(text, now: Self.now) }
            #expect(error.message.contains("'\(text)'") && error.message.contains("out of range"))
        }
        #expect(try TimeExpression.parse("-106751991167d", now: 0) == -106_751_991_167 * 86_400_000)
        for date in ["2026-02-31", "2026-02-29", "2100-02-29", "2026-04-31"] {
            #expect(throws: SedimentError.self, "\(date)") { try TimeExpression.parse(date, now: Self.now) }
        }
        #expect(try TimeExpression.parse("2024-02-29", now: Self.now) == 1_709_164_800_000)
        #expect(try TimeExpression.parse("2000-02-29", now: Self.now) == 951_782_400_000)
        let error = try #require(throws: SedimentError.self) { try DurationExpression.parse("9223372036854775807d", option: "--window") }
        #expect(error.context == ["option": "--window", "value": "9223372036854775807d"] && error.message.contains("longer than"))
        #expect(try DurationExpression.milliseconds("9223372036854775807ms", option: "--window") == Int64.max)
    }

}
