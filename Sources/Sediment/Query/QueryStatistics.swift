/// What a time-range query read: `query --stats` prints it.
public struct QueryStatistics: Sendable, Hashable, Codable {
    /// Gzip members inflated, local or fetched.
    public var membersRead: Int
    /// Members whose counts stood for their messages (`--count`), read from nowhere.
    public var membersCounted: Int
    /// Bytes of members fetched from buckets (by the session, over its queries).
    public var bytesFetched: Int64
    public var bytesInflated: Int64
}
