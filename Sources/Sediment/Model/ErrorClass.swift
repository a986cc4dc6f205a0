import SedimentKafka
import SedimentObjectStore

/// What an error asks of whoever runs the call, for code that must act on a failure
/// without reading its message: the CLI exits with one code per class (sysexits(3)),
/// a service might page a different person for each.
///
/// It answers another question than `isRetriable` (would the same call pass later?):
/// an unreachable broker (remote) and an archive another process holds (I/O) are both
/// retriable, a refused credential (remote) and a malformed line (data) are not.
public enum ErrorClass: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The call is wrong and nothing was tried: an argument, a name, a target URI that
    /// cannot be used, credentials that are not there. Change the call.
    case usage
    /// The data is wrong or not there: a malformed input line, a topic the archive or the
    /// cluster does not hold, a range only the bucket holds, a corrupt segment, a
    /// directory that is not an archive (or one from a newer Sediment), a bucket key that
    /// holds other bytes. Change the input, the archive or the keys.
    case data
    /// This machine failed: a file system call, the index database, the archive lock.
    case io
    /// A server failed or refused: Kafka, the object store (its answers, or no answer).
    case remote

    public var description: String { rawValue }

    /// The class of any error this library or the modules below it throw (its own, the
    /// object store's, Kafka's, the index database's); nil for other types, which a
    /// front end has to treat as unknown.
    public init?(of error: any Error) {
        switch error {
        case let error as SedimentError: self = error.errorClass
        case let error as ObjectStoreError: self = ErrorClass(error)
        case is KafkaError: self = .remote
        default:
            guard let database = ErrorClass(database: error) else { return nil }
            self = database
        }
    }

    /// Usage for what is refused before any request (a URI that does not parse, no
    /// credentials given); everything else is the store's, including a `file://` target's
    /// file system, which stands in for a bucket.
    init(_ error: ObjectStoreError) {
        switch error.code {
        case .invalidTarget, .missingCredentials: self = .usage
        default: self = .remote
        }
    }
}

extension SedimentError {
    /// The code's class, unless the cause is the object store's: the store has no code
    /// of its own here, so its error says which failure it was (as for `isRetriable`).
    public var errorClass: ErrorClass {
        if let store = underlying as? ObjectStoreError { return ErrorClass(store) }
        return code.errorClass
    }
}
