/// A window file with where it stands in each upload target and with the hook: what `serve`'s
/// `/api/windows` and the console's timeline show.
public struct WindowListing: Sendable, Hashable, Codable {
    public var file: WindowFile
    /// One entry per target that has recorded this file; a target absent here has not
    /// tried it yet.
    public var uploads: [Upload]
    /// Where the window hook stands with the file; nil when it never ran for it.
    public var hook: Hook?

    public struct Upload: Sendable, Hashable, Codable {
        /// The target URI as given (it never holds a secret).
        public var target: String
        public var key: String
        /// `uploading`, `uploaded` or `failed`.
        public var state: String
        public var attempts: Int
        public var error: String?
        /// Milliseconds since the epoch, once uploaded.
        public var uploadedAt: Int64?
    }

    public struct Hook: Sendable, Hashable, Codable {
        public var state: HookState
        public var attempts: Int
        /// The exit status and the tail of stderr of the last failed run.
        public var error: String?
    }
}

extension Archive {
    /// The window files of a topic whose windows meet `range` (by window start and end),
    /// by window start and part, each with its upload states.
    public func windowListing(instance: String, topic: String, range: Range<Int64>) throws -> [WindowListing] {
        try index.windowListing(instance: instance, topic: topic, range: range)
    }
}
