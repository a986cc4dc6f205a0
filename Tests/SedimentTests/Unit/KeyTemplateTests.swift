import Testing
@testable import Sediment

@Suite("KeyTemplate")
struct KeyTemplateTests {
    /// A window file as compaction records it: window [windowBase, +5 min) of local/orders, part 1, jsonl.
    static let file: WindowFile = {
        let fixture = CompactionFixture(label: "key-template")
        do {
            try fixture.append([Message(partition: 3, offset: 0, timestamp: windowBase + 1_000, value: Array("v".utf8))])
            try fixture.compact(granularity(5), closeAll: true)
            return try fixture.files()[0]
        } catch {
            preconditionFailure("cannot make a window file: \(error)")
        }
    }()

    static func file(start: Int64 = windowBase, part: Int = 1, format: WindowSettings.Format = .jsonl) -> WindowFile {
        var file = Self.file
        file.windowStart = start
        file.windowEnd = start + minutes(5)
        file.part = part
        file.format = format
        return file
    }

    static func key(_ template: String, _ file: WindowFile = file(), partitions: [Int32] = [3], worker: String = "host-a") throws -> String {
        try KeyTemplate(template).key(for: file, partitions: partitions, worker: worker)
    }

    /// The reason a template is refused for, or nil when it is accepted.
    static func refusal(_ template: String, instances: Int = 1, sharedByWorkers: Bool = false) -> String? {
        do {
            _ = try KeyTemplate(template, instances: instances, sharedByWorkers: sharedByWorkers)
            return nil
        } catch let error as SedimentError {
            #expect(error.code == .invalidArgument)
            #expect(error.context["option"] == "key-template" && error.context["value"] == template)
            #expect(error.message.hasPrefix("invalid `keyTemplate` '\(template)': "))
            return error.message
        } catch {
            Issue.record("not a SedimentError: \(error)")
            return "\(error)"
        }
    }

    @Test("the default template gives the path of the local copy under windows/")
    func defaultIsLocalPath() throws {
        #expect(Self.file.path == "windows/local/orders/2023-11-14/1699999200.jsonl.gz")
        #expect(try Self.key(KeyTemplate.defaultTemplate, Self.file) == "local/orders/2023-11-14/1699999200.jsonl.gz")
        #expect("windows/" + (try Self.key(KeyTemplate.defaultTemplate, Self.file(part: 2))) == "windows/local/orders/2023-11-14/1699999200.part2.jsonl.gz")
    }

    @Test("every token: the UTC date and hour of the window start, its Unix seconds, partitions, part and worker")
    func tokens() throws {
        let template = "{worker}/{instance}/{topic}/{date}/{hour}/{timestamp}-{partition}-p{part}"
        #expect(try Self.key(template, partitions: [0, 3, 12]) == "host-a/local/orders/2023-11-14/22/1699999200-0-3-12-p1.jsonl.gz")
        // 03:05 the next day: the hour has two digits, the date follows UTC midnight.
        let early = windowBase + minutes(5 * 60 + 5)
        #expect(try Self.key(template, Self.file(start: early), partitions: [7]) == "host-a/local/orders/2023-11-15/03/1700017500-7-p1.jsonl.gz")
    }

    @Test("a window before the epoch keys by its own day, hour and negative seconds")
    func beforeEpoch() throws {
        #expect(try Self.key("{date}/{hour}/{topic}/{timestamp}", Self.file(start: -minutes(5))) == "1969-12-31/23/orders/-300.jsonl.gz")
    }

    @Test("without {part}, part 1 has no suffix and later parts get .partN; with {part}, never")
    func parts() throws {
        #expect(try Self.key("{topic}/{timestamp}", Self.file(part: 1)) == "orders/1699999200.jsonl.gz")
        #expect(try Self.key("{topic}/{timestamp}", Self.file(part: 3)) == "orders/1699999200.part3.jsonl.gz")
        #expect(try Self.key("{topic}/{timestamp}/{part}", Self.file(part: 3)) == "orders/1699999200/3.jsonl.gz")
        #expect(try Self.key("{topic}/{timestamp}/{part}", Self.file(part: 1)) == "orders/1699999200/1.jsonl.gz")
    }

    @Test("the extension follows the file's format")
    func extensions() throws {
        #expect(try Self.key("{topic}/{timestamp}", Self.file(format: .text)) == "orders/1699999200.txt.gz")
        #expect(try Self.key("{topic}/{timestamp}", Self.file(part: 2, format: .text)) == "orders/1699999200.part2.txt.gz")
    }

    @Test("text around tokens is kept as written, a lone '}' included")
    func literalText() throws {
        #expect(try Self.key("archive-{topic}}/ts={timestamp}", partitions: []) == "archive-orders}/ts=1699999200.jsonl.gz")
        #expect(try Self.key("{topic}/{partition}/{timestamp}", partitions: []) == "orders//1699999200.jsonl.gz")
    }

    @Test("unknown tokens and unclosed braces are refused, naming the tokens there are")
    func syntax() {
        let unknown = Self.refusal("{topic}/{timestamp}/{minute}")
        #expect(unknown?.contains("unknown token {minute}; the tokens are {date} {hour} {instance} {part} {partition} {timestamp} {topic} {worker}") == true)
        #expect(Self.refusal("{topic}/{}/{timestamp}")?.contains("unknown token {}") == true)
        #expect(Self.refusal("{Topic}/{timestamp}")?.contains("unknown token {Topic}") == true)
        #expect(Self.refusal("{topic}/{timestamp")?.contains("a '{' is never closed") == true)
        #expect(Self.refusal("{topic}/{{timestamp}")?.contains("unknown token {{timestamp}") == true)
    }

    @Test("{topic} and {timestamp} are required: without them two windows would share a key")
    func required() {
        #expect(Self.refusal("{instance}/{date}/{timestamp}")?.contains("it lacks {topic}") == true)
        #expect(Self.refusal("{topic}/{date}/{hour}")?.contains("it lacks {timestamp}") == true)
        #expect(Self.refusal("topic/timestamp")?.contains("it lacks {topic}") == true)
        #expect(Self.refusal("{topic}/{timestamp}") == nil)
    }

    @Test("{instance} is required only when the archive holds several instances")
    func instances() {
        #expect(Self.refusal("{topic}/{timestamp}", instances: 1) == nil)
        #expect(Self.refusal("{topic}/{timestamp}", instances: 2)?.contains("it lacks {instance}: the archive holds several instances") == true)
        #expect(Self.refusal("{instance}/{topic}/{timestamp}", instances: 2) == nil)
    }

    @Test("workers sharing a topic need {worker}; {partition} alone does not keep their windows apart")
    func sharedByWorkers() {
        #expect(Self.refusal("{topic}/{timestamp}", sharedByWorkers: true)?.contains("add {worker}") == true)
        #expect(Self.refusal("{topic}/{timestamp}-{partition}", sharedByWorkers: true)?.contains("add {worker}") == true)
        #expect(Self.refusal("{worker}/{topic}/{timestamp}", sharedByWorkers: true) == nil)
        #expect(Self.refusal("{topic}/{timestamp}-{partition}", sharedByWorkers: false) == nil)
    }

    @Test("keys may not start with '/' nor hold '.' or '..' segments; dots inside a segment are fine")
    func paths() {
        for template in ["/{topic}/{timestamp}", "{topic}/../{timestamp}", "{topic}/./{timestamp}", "../{topic}/{timestamp}", "{topic}/{timestamp}/.."] {
            #expect(Self.refusal(template)?.contains("may not start with '/' or contain '.' or '..' segments") == true, "\(template)")
        }
        #expect(Self.refusal("{topic}/v1.2..3/{timestamp}") == nil)
        #expect(Self.refusal("{topic}/.hidden/{timestamp}") == nil)
    }

    @Test("a template describes itself as written")
    func description() throws {
        let template = try KeyTemplate("{topic}/{date}/{timestamp}")
        #expect(template.description == "{topic}/{date}/{timestamp}")
        #expect(template == (try KeyTemplate("{topic}/{date}/{timestamp}")))
    }

    @Test("every key a template gives matches back to its window, part and format; other keys do not", arguments: [
        "{instance}/{topic}/{date}/{timestamp}",
        "{instance}/{topic}/{date}/{hour}/{worker}.{timestamp}",
        "{topic}/{worker}-{partition}-{timestamp}-{part}",
        "x/{instance}.{topic}.{timestamp}",
    ])
    func keysMatchBack(_ template: String) throws {
        let parsed = try KeyTemplate(template)
        for (start, part, format) in [(windowBase, 1, WindowSettings.Format.jsonl), (windowBase + minutes(5), 3, .text)] {
            // A worker name holding the text that follows it in the template still matches.
            for worker in ["host-a", "host.a.b-1f2e", "w-7"] {
                let key = parsed.key(for: Self.file(start: start, part: part, format: format), partitions: [3, 11], worker: worker)
                let fields = try #require(parsed.match(key), "\(template): \(key)")
                #expect(fields.windowStart == start && fields.part == part && fields.format == format, "\(key): \(fields)")
                #expect(fields.topic == "orders" && (template.contains("{instance}") ? fields.instance == "local" : fields.instance == nil))
                #expect(parsed.match(WindowManifest.key(forObject: key)) == nil && parsed.match(key + ".tmp") == nil)
            }
        }
        #expect(parsed.match("elsewhere/notes.txt") == nil)
        #expect(parsed.listingPrefix(instance: "local", topic: "orders") == (template.hasPrefix("x/") ? "x/local.orders." : template.hasPrefix("{topic}") ? "orders/" : "local/orders/"))
    }
}
