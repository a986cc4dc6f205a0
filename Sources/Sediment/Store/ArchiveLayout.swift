/// Where things live inside an archive directory (see DESIGN.md, "The archive directory").
///
/// ```
/// <archive>/sediment.sqlite                                  the index (WAL mode)
/// <archive>/sediment.lock                                    held by the one writer
/// <archive>/segments/<instance>/<topic>/<partition>/<base-offset, 20 digits>.seg
/// ```
public struct ArchiveLayout: Sendable, Hashable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var databasePath: String { root + "/sediment.sqlite" }
    public var lockPath: String { root + "/sediment.lock" }
    public var segmentsRoot: String { root + "/segments" }

    /// Names must have passed `ArchiveName.validate` before they get here.
    func partitionDirectory(instance: String, topic: String, partition: Int32) -> String {
        "\(segmentsRoot)/\(instance)/\(topic)/\(partition)"
    }

    func segmentPath(instance: String, topic: String, partition: Int32, baseOffset: Int64) -> String {
        partitionDirectory(instance: instance, topic: topic, partition: partition) + "/" + Self.segmentFileName(baseOffset)
    }

    static func segmentFileName(_ baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    static func baseOffset(fromSegmentFileName name: String) -> Int64? {
        guard name.hasSuffix(".seg"), name.count == 24 else { return nil }
        return Int64(name.dropLast(4))
    }
}
