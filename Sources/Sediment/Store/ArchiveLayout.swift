/// Where things live inside an archive directory (see DESIGN.md, "The archive directory").
///
/// ```
/// <archive>/sediment.sqlite                                  the index (WAL mode)
/// <archive>/sediment.lock                                    held by the one writer
/// <archive>/sediment.compact.lock                          held by the one compactor
/// <archive>/sediment.hooks.lock                            held by the one hook runner
/// <archive>/segments/<instance>/<topic>/<partition>/<base-offset, 20 digits>.seg
/// <archive>/windows/<instance>/<topic>/<yyyy-MM-dd>/<start, Unix seconds>[.pP][.partN].<ext>
/// ```
/// A window file's path under `windows/` is its object key under the default template.
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
    public var compactionLockPath: String { root + "/sediment.compact.lock" }
    public var readersLockPath: String { root + "/sediment.readers.lock" }
    public var hooksLockPath: String { root + "/sediment.hooks.lock" }
    public static let windowsDirectory = "windows"

    /// The path of a window file relative to the archive (and its default object key).
    static func windowFilePath(
        instance: String, topic: String, windowStart: Int64, splitPartition: Int32? = nil, part: Int,
        format: WindowSettings.Format, compression: WindowCompression
    ) -> String {
        let seconds = UTCDate.floorDivide(windowStart, 1000)
        let suffix = WindowFileSuffix(splitPartition: splitPartition, part: part).text
        return "\(windowsDirectory)/\(instance)/\(topic)/\(UTCDate.day(ofMilliseconds: windowStart))/\(seconds)\(suffix).\(format.fileExtension(compression))"
    }

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
