/// What one `verify` run looked at, and what it found.
public struct VerifySummary: Sendable, Hashable, Codable {
    public var segments = 0
    public var segmentBytes: Int64 = 0
    public var records: Int64 = 0
    public var windowFiles = 0
    public var windowBytes: Int64 = 0
    /// Window files local retention deleted: the index says so, and they are not read.
    public var windowFilesDeletedLocally = 0
    /// The target checked, nil when the run was local only.
    public var target: String?
    /// The targets the index records, which a local-only run did not check.
    public var uncheckedTargets: [String] = []
    public var objects = 0
    /// Bytes of objects downloaded and hashed (`deep`), or read to find where one differs.
    public var objectBytesRead: Int64 = 0
    public var manifests = 0
    public var deep = false
    public var gaps = 0
    public var absentOffsets: Int64 = 0
    public var problems = 0

    public init() {}

    public var isClean: Bool { problems == 0 }
}

/// What `ArchiveVerifier` reports, in the order it finds it.
public enum VerifyFinding: Sendable, Hashable {
    case problem(VerifyProblem)
    case gap(OffsetGap)
}
