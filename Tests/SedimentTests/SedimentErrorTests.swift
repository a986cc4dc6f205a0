import SedimentKafka
import SedimentObjectStore
import Testing
@testable import Sediment

@Suite("SedimentError")
struct SedimentErrorTests {
    @Test("isRetriable: unreachable Kafka, a held lock, transient I/O and a failing store may pass on a retry; bad input, missing data and collisions never do")
    func retriable() {
        #expect(SedimentError(.kafkaUnreachable, "x").isRetriable)
        #expect(SedimentError(.archiveLocked, "x").isRetriable)
        #expect(SedimentError(.io, "x").isRetriable)
        for code in [SedimentError.Code.invalidArgument, .invalidInput, .notFound, .corruptSegment, .objectCollision, .notHeldLocally] {
            #expect(!SedimentError(code, "x").isRetriable, "\(code)")
        }
        let slow = ObjectStoreError(.http(503), httpStatus: 503)
        let denied = ObjectStoreError(.accessDenied, serverCode: "AccessDenied", httpStatus: 403)
        #expect(SedimentError(.io, "x", underlying: slow).isRetriable)
        #expect(!SedimentError(.io, "x", underlying: denied).isRetriable, "the store's own verdict wins")
    }

    @Test("the error line is the message alone, which names what and where")
    func description() {
        let error = SedimentError(.invalidInput, "line 3 of in.jsonl: field \"ts\" must be a number", context: ["line": "3"])
        #expect("\(error)" == "line 3 of in.jsonl: field \"ts\" must be a number")
    }
}
