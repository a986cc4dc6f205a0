/// A libzstd call that failed, or zstd data that is not what a reader expects: which
/// operation, and libzstd's message or ours.
public struct ZstdError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var message: String

    public var description: String { "zstd \(operation) failed: \(message)" }
}
