/// What a time-range query read: `query --stats` prints it.
public struct QueryStatistics: Sendable, Hashable, Codable {
    /// Gzip members inflated, local or fetched.
    public var membersRead: Int
    /// Members whose counts stood for their messages (`--count`), read from nowhere.
    public var membersCounted: Int
    /// Bytes fetched from buckets: members, and the manifests a listing read.
    public var bytesFetched: Int64
    public var bytesInflated: Int64
}
