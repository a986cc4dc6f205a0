/// The one error type of this module.
///
/// Its description names the operation, the object and what the store said, e.g.
/// `PUT s3://bucket/key failed: 403 SignatureDoesNotMatch (The request signature ...)`.
/// It never holds a secret: messages come from the server or from this module, and
/// request headers (which carry signatures) are never copied into it.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a program may act on it. Extensible: compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The HTTP status for `.http(_:)`; nil for the other codes.
        public let status: Int?

        init(_ name: String, status: Int? = nil) {
            self.name = name
            self.status = status
        }

        public static let accessDenied = Code("accessDenied")
        public static let signatureDoesNotMatch = Code("signatureDoesNotMatch")
        public static let noSuchBucket = Code("noSuchBucket")
        public static let noSuchKey = Code("noSuchKey")
        public static let noSuchUpload = Code("noSuchUpload")
        /// A create-only write found an object under its key (HTTP 412, or COS's 409).
        public static let alreadyExists = Code("alreadyExists")
        public static let slowDown = Code("slowDown")
        /// Any other HTTP failure, by status.
        public static func http(_ status: Int) -> Code { Code("http", status: status) }
        /// The connection failed, was reset or closed, or a reply did not come in time.
        public static let transport = Code("transport")
        /// A digest or ETag the store returned differs from the bytes that were sent.
        public static let checksumMismatch = Code("checksumMismatch")
        /// A URI that does not name a usable target.
        public static let invalidTarget = Code("invalidTarget")
        public static let invalidArgument = Code("invalidArgument")
        public static let missingCredentials = Code("missingCredentials")
        /// A reply the module could not make sense of.
        public static let invalidResponse = Code("invalidResponse")
        /// A local file could not be read or written.
        public static let fileSystem = Code("fileSystem")

        public var description: String { status.map { "http(\($0))" } ?? name }
    }

    public var code: Code
    /// Human-readable detail from this module (the server's own words are in `serverMessage`).
    public var message: String
    /// `GET`, `PUT`, ... when the error comes from a request.
    public var operation: String?
    /// The target's description, e.g. `s3://bucket` or `file:///dir`.
    public var bucket: String?
    public var key: String?
    /// The store's error code, e.g. `SignatureDoesNotMatch`.
    public var serverCode: String?
    public var serverMessage: String?
    public var httpStatus: Int?
    public var requestID: String?
    /// The error below this one (a transport or file error), if any.
    public var underlying: (any Error & Sendable)?

    public init(
        _ code: Code, message: String = "", operation: String? = nil, bucket: String? = nil, key: String? = nil,
        serverCode: String? = nil, serverMessage: String? = nil, httpStatus: Int? = nil, requestID: String? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.serverCode = serverCode
        self.serverMessage = serverMessage
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.underlying = underlying
    }

    /// Whether trying the same request again may succeed: timeouts, resets, 5xx, 429,
    /// SlowDown and RequestTimeout. A 4xx (bad credentials, missing bucket) is final.
    public var isRetriable: Bool {
        if code == .transport || code == .slowDown { return true }
        if let serverCode, ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"].contains(serverCode) {
            return true
        }
        if let httpStatus { return httpStatus >= 500 || httpStatus == 429 }
        return false
    }

    /// Whether the store refused the request's credentials as expired, unknown or not
    /// matching (S3's and COS's codes): credentials read again may pass where a retry
    /// with the same ones cannot.
    public var refusesCredentials: Bool {
        guard let serverCode else { return false }
        return [
            "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "InvalidAccessKeyId", "SignatureDoesNotMatch",
        ].contains(serverCode)
    }

    public var description: String {
        var text = ""
        if let operation { text += operation + " " }
        if let bucket {
            text += key.map { bucket.hasSuffix("/") ? bucket + $0 : bucket + "/" + $0 } ?? bucket
            text += " "
        } else if let key {
            text += key + " "
        }
        text += text.isEmpty ? "" : "failed: "
        var detail: [String] = []
        if let httpStatus { detail.append(String(httpStatus)) }
        if let serverCode { detail.append(serverCode) } else if httpStatus == nil { detail.append(code.description) }
        text += detail.joined(separator: " ")
        if let serverMessage, !serverMessage.isEmpty { text += " (\(serverMessage))" }
        if !message.isEmpty { text += ": " + message }
        if let requestID { text += " [request \(requestID)]" }
        if let underlying { text += " <\(underlying)>" }
        return text
    }
}
