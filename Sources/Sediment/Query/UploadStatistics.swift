/// Where one upload target stands, as `sediment status` prints it.
public struct UploadStatistics: Sendable, Hashable, Codable {
    /// The target URI as given (it never holds a secret).
    public var target: String
    public var keyTemplate: String
    /// Whether local retention waits for this target.
    public var continuous: Bool
    public var uploaded: Int
    public var uploadedBytes: Int64
    public var failed: Int
    /// Window files on disk the target has not confirmed (never tried, in flight or failed).
    public var pending: Int
    /// The start of the oldest window on disk the target has not confirmed: how far
    /// behind the bucket is.
    public var oldestPending: Int64?
    /// The last error recorded for a failed window, if any.
    public var lastError: String?
}
