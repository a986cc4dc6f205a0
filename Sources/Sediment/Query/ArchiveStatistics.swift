/// What an archive holds, per partition, as `sediment status` prints it.
public struct PartitionStatistics: Sendable, Hashable, Codable {
    public var instance: String
    public var topic: String
    public var partition: Int32
    /// The next offset to store.
    public var position: Int64
    public var messages: Int64
    public var bytes: Int64
    public var segments: Int
    public var firstOffset: Int64?
    public var lastOffset: Int64?
    /// Milliseconds since the epoch; nil when the partition holds no message.
    public var minTimestamp: Int64?
    public var maxTimestamp: Int64?
    /// The `sediment dump` worker that archived the partition, when one did.
    public var worker: String?
    /// Offsets the broker's retention deleted before the archive read them.
    public var unavailableOffsets: [UnavailableOffsets] = []
}

extension Archive {
    public func statistics() throws -> [PartitionStatistics] { try index.partitionStatistics() }

    /// Where each upload target stands.
    public func uploadStatistics() throws -> [UploadStatistics] { try index.uploadStatistics() }

    /// One entry per topic that has window settings.
    public func windowStatistics() throws -> [WindowStatistics] { try index.windowStatistics() }

    /// Per topic, the hook's done, pending and failed windows; empty while no hook has
    /// ever run on the archive.
    public func hookStatistics() throws -> [HookStatistics] { try index.hookStatistics() }
}
