import SedimentKafka
import SedimentObjectStore

/// The one error type of the library: a code to switch on, a message for people,
/// and the context that says where (file, line, topic, partition, offset).
///
/// Messages name a setting as the library's configuration types spell it, in backticks
/// (`brokers`, `localWindowRetention`); a front end names its own spelling instead (the
/// CLI turns them into its flags, `--brokers`, `--local-retention`).
public struct SedimentError: Error, Sendable, CustomStringConvertible {
    /// A code belongs to one class, given where it is defined so that a new code picks one.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public let errorClass: ErrorClass
        public var description: String { name }

        public static let invalidArgument = Code(name: "invalid argument", errorClass: .usage)
        public static let invalidInput = Code(name: "invalid input", errorClass: .data)
        public static let invalidName = Code(name: "invalid name", errorClass: .usage)
        // The archive named is the data a command works on: a wrong path, a directory of
        // something else and an archive a newer Sediment wrote all need a change of what
        // is pointed at (or of the binary), which no retry or disk repair gives.
        public static let archiveMissing = Code(name: "archive missing", errorClass: .data)
        public static let notAnArchive = Code(name: "not an archive", errorClass: .data)
        public static let schemaTooNew = Code(name: "schema too new", errorClass: .data)
        /// Another process holds the archive. I/O, as the lock is a file this process
        /// could not take; `isRetriable` says that waiting may be enough.
        public static let archiveLocked = Code(name: "archive locked", errorClass: .io)
        public static let corruptSegment = Code(name: "corrupt segment", errorClass: .data)
        public static let io = Code(name: "I/O error", errorClass: .io)
        public static let database = Code(name: "database error", errorClass: .io)
        /// A topic the archive, or the Kafka cluster, does not hold: the server answered,
        /// so data rather than remote.
        public static let notFound = Code(name: "not found", errorClass: .data)
        /// Part of a query's range is held only by an upload target: local retention
        /// deleted its window files, and their segments are gone too. Data: the messages
        /// are to be read from the bucket instead.
        public static let notHeldLocally = Code(name: "not held locally", errorClass: .data)
        /// An object already holds other content under the key a window file would take.
        /// Data, not remote: the store works, and only other keys (or a cleared key) help.
        public static let objectCollision = Code(name: "object collision", errorClass: .data)
        /// A command left part of its work out, and reported each part (a restore whose
        /// windows did not all match their checksums). Data: what was left out is wrong.
        public static let incomplete = Code(name: "incomplete", errorClass: .data)
        /// A window hook (`--on-window`) failed every retry for some windows. Data, as
        /// `incomplete`: the windows are written, and what the command did with them is
        /// not what was asked; the command's own error says why.
        public static let hookFailed = Code(name: "hook failed", errorClass: .data)
        /// An upload target refused the write probe made before any work (`UploadTarget.preflight`).
        /// Remote, unless the store's error says otherwise (no credentials given: usage).
        public static let targetRefused = Code(name: "target refused", errorClass: .remote)
        public static let kafka = Code(name: "Kafka error", errorClass: .remote)
        public static let kafkaUnreachable = Code(name: "Kafka unreachable", errorClass: .remote)
        /// A consumer group has members on the cluster, and its offsets are not to be moved
        /// under running consumers. Remote, as the broker refused; retriable, as the
        /// members leaving is enough.
        public static let groupActive = Code(name: "group active", errorClass: .remote)
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
        case .kafkaUnreachable, .archiveLocked, .groupActive, .io: return true
        case .kafka: return (underlying as? KafkaError).map { !$0.isFatal } ?? false
        default: return false
        }
    }
}
