import SedimentObjectStore

/// A window file member a query reads outside the usual local windows: in a bucket object, or in
/// a local file of a window that also has files only a bucket holds.
struct TierMember: Sendable {
    enum Location: Sendable, Hashable {
        /// Relative to the archive.
        case local(path: String)
        /// `key` in the target `uri`.
        case remote(uri: String, key: String)
    }

    var location: Location
    var member: MemberRow
    var compression: WindowCompression
    /// No other tier holds any message of its window: where the whole member lies in the
    /// range, its count can stand for its messages.
    var exclusive: Bool

    var name: String {
        switch location {
        case .local(let path): path
        case .remote(let uri, let key): "\(key) in \(uri)"
        }
    }
}
