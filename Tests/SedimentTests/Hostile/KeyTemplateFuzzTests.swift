import PropertyBased
import Testing

@testable import Sediment

/// Key templates (`--key-template`, `keyTemplate:`), the keys they give, reading keys back
/// (`match`, what a restore from a bucket does with every listed key) and the patterns
/// `run --config` compares tasks by.
@Suite("Fuzz: key templates")
struct KeyTemplateFuzzTests {
    static let templateSeeds = [
        KeyTemplate.defaultTemplate, "{instance}/{topic}/{date}/{hour}/{timestamp}-{partition}", "{topic}/{timestamp}.{part}",
        "archive/{worker}/{topic}/{date}/{timestamp}", "{topic}{timestamp}{part}{hour}", "x//{topic}/.{timestamp}",
    ]
    static let tokens = ["{instance}", "{topic}", "{date}", "{hour}", "{timestamp}", "{partition}", "{part}", "{worker}", "{", "}", "/", "..", ".", "{x}"]

    /// Names as they come: mostly plausible, some with every character Kafka forbids.
    static let names = FuzzInput.text(seeds: ["orders", "local", "host-a.1", "a.b_c-9", "é", "e\u{301}"], tokens: ["..", ".", "/", "\u{0}", "\u{202E}", "-", "{topic}"], maxLength: 40)

    @Test("a template is accepted or refused naming itself; an accepted one gives keys inside the prefix that read back")
    func templates() async {
        let input = zip(
            FuzzInput.text(seeds: Self.templateSeeds, tokens: Self.tokens, maxLength: 80), Self.names, Self.names, Self.names,
            Gen<Int64>.value(in: -86_400_000...4_102_444_800_000), Gen.int(in: 1...12))
        await Fuzz.run("key template", count: 4000, input: input) { template, instance, topic, worker, start, part in
            let parsed: KeyTemplate
            do {
                parsed = try KeyTemplate(template)
            } catch {
                guard let error = error as? SedimentError else { throw Fuzz.Violation("not a SedimentError: \(error)") }
                try Fuzz.require(error.code == .invalidArgument && error.context["value"] == template, "context \(error.context)")
                try Fuzz.require(error.message.hasPrefix("invalid `keyTemplate` '\(template)': "), "message \(error.message)")
                return .rejected
            }
            // Names reach keys only once validated, as the archive's writers check them.
            for (name, kind) in [(instance, "instance"), (topic, "topic"), (worker, "worker")] {
                do { try ArchiveName.validate(name, as: kind) } catch { return .rejected }
            }
            var file = KeyTemplateTests.file(start: UTCDate.floorDivide(start, 1000) * 1000, part: part)
            file.instance = instance
            file.topic = topic
            let key = parsed.key(for: file, partitions: [0, 7], worker: worker)
            try Fuzz.require(!key.hasPrefix("/"), "key \(String(reflecting: key)) starts with '/'")
            let segments = key.split(separator: "/", omittingEmptySubsequences: false)
            try Fuzz.require(!segments.contains { $0 == "." || $0 == ".." }, "key \(String(reflecting: key)) has a '.' or '..' segment")
            guard let fields = parsed.match(key) else { throw Fuzz.Violation("key \(String(reflecting: key)) does not match its own template") }
            if template.contains("{timestamp}/") || template.hasSuffix("{timestamp}") && !template.contains("{part}") {
                try Fuzz.require(fields.windowStart == file.windowStart, "read back window \(fields.windowStart), not \(file.windowStart)")
            }
            let literal = { var pattern = KeyPattern(); pattern.append(key); return pattern }()
            let pattern = parsed.keys(under: "", instance: instance, topic: topic, worker: worker)
            try Fuzz.require(pattern.overlaps(literal) && literal.overlaps(pattern), "the template's pattern does not hold its own key \(String(reflecting: key))")
            return .accepted
        }
    }

    @Test("any key listed in a bucket is read back or passed over, never trapping or hanging")
    func listedKeys() async {
        let keys = FuzzInput.text(
            seeds: ["local/orders/2026-11-25/1795600800.jsonl.gz", "local/orders/2026-11-25/1795600800.part2.jsonl.gz", "orders/1795600800.manifest.json"],
            tokens: Self.tokens + [".part", ".gz", ".jsonl", "9999999999999999999", "-"], maxLength: 300)
        let templates = FuzzInput.element(of: Self.templateSeeds + ["{instance}{topic}{worker}{date}{hour}{timestamp}{partition}{part}"])
        await Fuzz.run("listed key", count: 4000, input: zip(keys, templates)) { key, template in
            let parsed = try KeyTemplate(template)
            guard let fields = parsed.match(key) else { return .rejected }
            try Fuzz.require(fields.part >= 1, "part \(fields.part)")
            return .accepted
        }
    }

    @Test("found by fuzzing: a key whose first split gives seconds past Int64 milliseconds still matches, by another split; a listed key naming '..' matches nothing")
    func regressions() throws {
        let template = try KeyTemplate("{topic}{timestamp}t\u{E9}imestamp}{part}{hour}")
        var file = KeyTemplateTests.file(start: 3_472_740_927_000, part: 10)
        file.topic = "ordersorders4294967295"
        let key = template.key(for: file, partitions: [0], worker: "w")
        #expect(key == "ordersorders42949672953472740927t\u{E9}imestamp}1018.jsonl.gz")
        #expect(template.match(key) != nil)
        let plain = try KeyTemplate(KeyTemplate.defaultTemplate)
        #expect(plain.match("local/orders/2026-11-25/1795600800.jsonl.gz") != nil)
        for key in ["../orders/2026-11-25/1795600800.jsonl.gz", "local/../2026-11-25/1795600800.jsonl.gz", "local/a\u{202E}b/2026-11-25/1795600800.jsonl.gz"] {
            #expect(plain.match(key) == nil, "\(key)")
        }
    }

}
