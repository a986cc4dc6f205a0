/// What `sediment status --json` prints and `serve`'s `/api/status` answers.
public struct StatusReport: Sendable, Codable {
    public var archive: String
    public var partitions: [PartitionStatistics]
    public var windows: [WindowStatistics]?
    public var uploads: [UploadStatistics]?
    /// Per topic, the window hook's done, pending and failed windows; empty while no hook
    /// has ever run on the archive.
    public var hooks: [HookStatistics]?
    /// With `status --brokers`: the instance's partitions against that cluster.
    public var lag: [PartitionLag]?
}

extension Archive {
    public func statusReport() throws -> StatusReport {
        StatusReport(
            archive: layout.root, partitions: try statistics(), windows: try windowStatistics(), uploads: try uploadStatistics(),
            hooks: try hookStatistics(), lag: nil)
    }
}
