/// Offsets of a partition the archive will never hold: the broker's retention deleted them
/// before the archive read them (its low watermark had passed the archive's position when
/// `dump` resumed the partition). Recorded in the index; `status` and `verify` show them.
public struct UnavailableOffsets: Sendable, Hashable, Codable {
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// When `dump` found them gone, in milliseconds since the epoch.
    public var recordedAt: Int64

    public var count: Int64 { lastOffset - firstOffset + 1 }

    public init(firstOffset: Int64, lastOffset: Int64, recordedAt: Int64) {
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.recordedAt = recordedAt
    }
}
