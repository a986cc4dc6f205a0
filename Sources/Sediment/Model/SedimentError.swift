import SedimentKafka
import SedimentObjectStore

/// The one error type of the library: a code to switch on, a message for people,
/// and the context that says where (file, line, topic, partition, offset).
///
/// Messages name a setting as the library's configuration types spell it, in backticks
/// (`brokers`, `localWindowRetention`); a front end names its own spelling instead (the
/// CLI turns them into its flags, `--brokers`, `--local-retention`).
public struct SedimentError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        public static let invalidArgument = Code(name: "invalid argument")
        public static let invalidInput = Code(name: "invalid input")
        public static let invalidName = Code(name: "invalid name")
        public static let archiveMissing = Code(name: "archive missing")
        public static let notAnArchive = Code(name: "not an archive")
        public static let schemaTooNew = Code(name: "schema too new")
        public static let archiveLocked = Code(name: "archive locked")
        public static let corruptSegment = Code(name: "corrupt segment")
        public static let io = Code(name: "I/O error")
        public static let database = Code(name: "database error")
        public static let notFound = Code(name: "not found")
        /// Part of a query's range is held only by an upload target: local retention
        /// deleted its window files, and their segments are gone too.
        public static let notHeldLocally = Code(name: "not held locally")
        /// An object already holds other content under the key a window file would take.
        public static let objectCollision = Code(name: "object collision")
        /// A command left part of its work out, and reported each part (a restore whose
        /// windows did not all match their checksums).
        public static let incomplete = Code(name: "incomplete")
        public static let kafka = Code(name: "Kafka error")
        public static let kafkaUnreachable = Code(name: "Kafka unreachable")
    }

    public var code: Code
    public var message: String
    /// Where: a file and line of input, a segment path and position, a topic and partition.
    public var context: [String: String]
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, context: [String: String] = [:], underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.underlying = underlying
    }

    /// The message alone: it is written to be complete, and `underlying` is kept for code
    /// that wants to inspect the cause.
    public var description: String { message }

    /// Whether trying the same thing again, unchanged, may succeed: Kafka or the store
    /// unreachable or failing transiently, another process holding the archive, a transient
    /// I/O error. Bad input, missing or corrupt data and collisions are final: only a
    /// change (of the input, the settings, the archive) makes them go away.
    public var isRetriable: Bool {
        if let store = underlying as? ObjectStoreError { return store.isRetriable }
        switch code {
        case .kafkaUnreachable, .archiveLocked, .io: return true
        case .kafka: return (underlying as? KafkaError).map { !$0.isFatal } ?? false
        default: return false
        }
    }
}
