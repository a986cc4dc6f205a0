import GRDB
import SedimentKafka
import SedimentObjectStore
import Testing
@testable import Sediment

@Suite("SedimentError")
struct SedimentErrorTests {
    @Test("isRetriable: unreachable Kafka, a held lock, a group with members, transient I/O and a failing store may pass on a retry; bad input, missing data and collisions never do")
    func retriable() {
        #expect(SedimentError(.kafkaUnreachable, "x").isRetriable)
        #expect(SedimentError(.archiveLocked, "x").isRetriable)
        #expect(SedimentError(.groupActive, "x").isRetriable)
        #expect(SedimentError(.io, "x").isRetriable)
        for code in [SedimentError.Code.invalidArgument, .invalidInput, .notFound, .corruptSegment, .objectCollision, .notHeldLocally] {
            #expect(!SedimentError(code, "x").isRetriable, "\(code)")
        }
        let slow = ObjectStoreError(.http(503), httpStatus: 503)
        let denied = ObjectStoreError(.accessDenied, serverCode: "AccessDenied", httpStatus: 403)
        #expect(SedimentError(.io, "x", underlying: slow).isRetriable)
        #expect(!SedimentError(.io, "x", underlying: denied).isRetriable, "the store's own verdict wins")
    }

    @Test("every code has the class the README documents")
    func classOfEachCode() {
        let classes: [SedimentError.Code: ErrorClass] = [
            .invalidArgument: .usage, .invalidName: .usage,
            .invalidInput: .data, .notFound: .data, .notHeldLocally: .data, .objectCollision: .data, .corruptSegment: .data,
            .archiveMissing: .data, .notAnArchive: .data, .schemaTooNew: .data,
            .io: .io, .database: .io, .archiveLocked: .io,
            .kafka: .remote, .kafkaUnreachable: .remote, .groupActive: .remote,
        ]
        for (code, expected) in classes {
            #expect(SedimentError(code, "x").errorClass == expected, "\(code)")
            #expect(ErrorClass(of: SedimentError(code, "x")) == expected, "\(code)")
        }
    }

    @Test("the store's, Kafka's and the database's errors have a class; a store error under a SedimentError decides it; other types have none")
    func classOfOtherErrors() {
        let denied = ObjectStoreError(.signatureDoesNotMatch, serverCode: "SignatureDoesNotMatch", httpStatus: 403)
        #expect(ErrorClass(of: denied) == .remote)
        #expect(ErrorClass(of: ObjectStoreError(.transport)) == .remote)
        #expect(ErrorClass(of: ObjectStoreError(.fileSystem)) == .remote, "a file:// target stands in for a bucket")
        #expect(ErrorClass(of: ObjectStoreError(.invalidTarget)) == .usage)
        #expect(ErrorClass(of: ObjectStoreError(.missingCredentials)) == .usage)
        #expect(SedimentError(.io, "x", underlying: denied).errorClass == .remote)
        #expect(SedimentError(.notAnArchive, "x", underlying: DatabaseError(resultCode: .SQLITE_NOTADB)).errorClass == .data, "only the store's error overrides the code")
        #expect(ErrorClass(of: KafkaError(code: -195, name: "_TRANSPORT", message: "down")) == .remote)
        #expect(ErrorClass(of: DatabaseError(resultCode: .SQLITE_IOERR)) == .io)
        #expect(ErrorClass(of: CancellationError()) == nil)
    }

    @Test("the error line is the message alone, which names what and where")
    func description() {
        let error = SedimentError(.invalidInput, "line 3 of in.jsonl: field \"ts\" must be a number", context: ["line": "3"])
        #expect("\(error)" == "line 3 of in.jsonl: field \"ts\" must be a number")
    }
}
