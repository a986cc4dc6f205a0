import Testing
@testable import Sediment

/// Whether two key templates (under their prefixes, for their instances and topics) can
/// ever give the same object key: what `run --config` refuses between tasks.
@Suite("KeyPattern")
struct KeyPatternTests {
    func keys(_ template: String, prefix: String = "", instance: String = "local", topic: String = "orders", worker: String = "w1") throws -> KeyPattern {
        try KeyTemplate(template).keys(under: prefix, instance: instance, topic: topic, worker: worker)
    }

    @Test("the same template, instance and topic overlap; another instance, topic or worker does not")
    func fillsNames() throws {
        let template = "{instance}/{topic}/{date}/{timestamp}"
        #expect(try keys(template).overlaps(keys(template)))
        #expect(try !keys(template).overlaps(keys(template, instance: "prod")))
        #expect(try !keys(template).overlaps(keys(template, topic: "payments")))
        let worker = "{instance}/{topic}/{date}/{timestamp}-{worker}"
        #expect(try !keys(worker).overlaps(keys(worker, worker: "w2")))
        #expect(try keys(worker).overlaps(keys(worker)))
    }

    @Test("tokens stand for their characters only: digits do not take a '/' or a '-', and the extension starts with '.'")
    func tokenCharacters() throws {
        #expect(try !keys("{topic}/{date}/{timestamp}").overlaps(keys("{topic}/{timestamp}")))
        #expect(try !keys("{topic}/{timestamp}").overlaps(keys("{topic}/{timestamp}-{worker}")))
        #expect(try keys("{topic}/{timestamp}").overlaps(keys("{topic}/{hour}{timestamp}")))
        #expect(try keys("{topic}/{partition}/{timestamp}").overlaps(keys("{topic}/{date}/{timestamp}")))
        #expect(try keys("{topic}-x/{timestamp}").overlaps(keys("{topic}-{worker}/{timestamp}", worker: "x")))
    }

    @Test("a prefix and a template add up: one task's prefix may be another's first token")
    func prefixes() throws {
        #expect(try keys("{topic}/{date}/{timestamp}", prefix: "kafka/local").overlaps(keys("{instance}/{topic}/{date}/{timestamp}", prefix: "kafka")))
        #expect(try !keys("{topic}/{date}/{timestamp}", prefix: "kafka/prod").overlaps(keys("{instance}/{topic}/{date}/{timestamp}", prefix: "kafka")))
        #expect(try !keys("{instance}/{topic}/{date}/{timestamp}", prefix: "a").overlaps(keys("{instance}/{topic}/{date}/{timestamp}", prefix: "b")))
    }
}
