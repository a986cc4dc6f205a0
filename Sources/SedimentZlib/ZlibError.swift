/// A zlib call that failed: which call, zlib's return code and its message.
public struct ZlibError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var code: Int32
    public var message: String

    public var description: String { "zlib \(operation) failed (\(code)): \(message)" }
}
