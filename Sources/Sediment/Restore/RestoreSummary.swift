/// What one `restore` did.
public struct RestoreSummary: Sendable, Hashable, Codable {
    /// Window objects in the bucket that meet the range.
    public var windows = 0
    /// Files downloaded, checked and indexed as new local windows.
    public var restored = 0
    /// Files local retention had deleted, downloaded again and checked against the index.
    public var broughtBack = 0
    /// Files the archive already held, identical: nothing to do.
    public var skipped = 0
    /// Of the restored, those without a manifest, whose members were found by reading them.
    public var rebuilt = 0
    public var bytes: Int64 = 0
    public var messages = 0
    /// Objects under the listed prefix whose keys the key template cannot give: another
    /// template's windows, or other files. Not restored; a count that is not 0 may mean the
    /// template is not the one the windows were uploaded with.
    public var unmatchedKeys = 0
    /// Windows left out of the index, each with why: a checksum that does not match, an
    /// archive that holds other files of the window, a download that failed.
    public var failures: [RestoreFailure] = []
}

public struct RestoreFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var reason: String
    public var description: String { "\(key): \(reason)" }
}

/// Progress of a restore, after each window: "12/40 windows, 1.2 GiB".
public struct RestoreProgress: Sendable {
    public var done: Int
    public var total: Int
    public var bytes: Int64
}
