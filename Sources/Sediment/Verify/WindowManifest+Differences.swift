import Foundation

extension WindowManifest {
    /// The fields in which `found` differs from this manifest, as `name: found (expected)`.
    func differences(from found: WindowManifest) -> [String] {
        var differences: [String] = []
        func compare<T: Equatable>(_ name: String, _ path: KeyPath<WindowManifest, T>) {
            if self[keyPath: path] != found[keyPath: path] {
                differences.append("\(name) \(found[keyPath: path]) (expected \(self[keyPath: path]))")
            }
        }
        compare("version", \.version)
        compare("instance", \.instance)
        compare("topic", \.topic)
        compare("windowStart", \.windowStart)
        compare("windowEnd", \.windowEnd)
        compare("part", \.part)
        compare("partition", \.partition)
        compare("format", \.format)
        compare("compression", \.compression)
        compare("level", \.level)
        compare("count", \.count)
        compare("minTimestamp", \.minTimestamp)
        compare("maxTimestamp", \.maxTimestamp)
        compare("size", \.size)
        compare("md5", \.md5)
        compare("sha256", \.sha256)
        if partitions != found.partitions { differences.append("partitions") }
        if members != found.members {
            let index = zip(members, found.members).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(members.count, found.members.count)
            differences.append("members from member \(index) (\(found.members.count) members, expected \(members.count))")
        }
        return differences
    }

    /// The first byte at which two encodings differ; nil when they are the same bytes.
    static func firstDifference(_ a: Data, _ b: Data) -> Int64? {
        if let index = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset { return Int64(index) }
        return a.count == b.count ? nil : Int64(min(a.count, b.count))
    }
}
