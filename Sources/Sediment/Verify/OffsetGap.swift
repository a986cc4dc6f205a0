/// Offsets of a partition that the archive's segments do not hold, between two it does
/// hold (or between the last one and the partition's position).
///
/// A gap is information, not a problem. The writer stores every message it is given, in
/// offset order, and `verify` checks that the segment bytes and the index agree record by
/// record; offsets absent from both were never given to the writer. Kafka leaves such
/// holes itself: compacted topics drop records, and every transaction leaves a commit or
/// abort marker that consumers never see. The other causes the archive knows of are
/// retention, which deleted a segment after its windows were uploaded, and the broker's
/// retention, which deleted offsets before the archive read them (recorded by `dump`).
public struct OffsetGap: Sendable, Hashable, Codable {
    public enum Reason: String, Sendable, Hashable, Codable {
        /// Never delivered by the source: a compacted topic, transaction markers.
        case source
        /// Held by a segment that retention deleted (`deletedSegment`).
        case retention
        /// Deleted by the broker's retention before the archive read them, as `dump`
        /// recorded when it resumed the partition past them (`UnavailableOffsets`).
        case brokerRetention = "broker-retention"
    }

    public var instance: String
    public var topic: String
    public var partition: Int32
    public var firstOffset: Int64
    public var lastOffset: Int64
    public var reason: Reason
    /// The segment file (relative to the archive) and byte of the first record after the
    /// gap; for a gap before the partition's position, the end of its last segment.
    public var file: String?
    public var position: Int64?
    /// The file name of the segment retention deleted, for `.retention`.
    public var deletedSegment: String?

    public var count: Int64 { lastOffset - firstOffset + 1 }
}
