import Foundation

extension WindowManifest {
    /// Decodes a manifest read from `key` and checks that it can be trusted to index its
    /// object: a version this build reads, a window, and members that tile the object and
    /// add up to its count. Anything else names the key and what is wrong.
    public static func decode(_ data: Data, key: String) throws -> WindowManifest {
        let manifest: WindowManifest
        do {
            manifest = try JSONDecoder().decode(WindowManifest.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.map(\.stringValue) == ["compression"] {
            throw invalid(key, context.debugDescription)
        } catch {
            throw invalid(key, "it is not a window manifest: \(error)")
        }
        guard manifest.version >= 1, manifest.version <= currentVersion else {
            throw invalid(key, "its version \(manifest.version) is newer than this Sediment reads (\(currentVersion))")
        }
        guard manifest.windowStart < manifest.windowEnd, manifest.part >= 1 else {
            throw invalid(key, "its window [\(manifest.windowStart), \(manifest.windowEnd)) part \(manifest.part) is empty or misnumbered")
        }
        guard let format = WindowSettings.Format(rawValue: manifest.format) else {
            throw invalid(key, "format '\(manifest.format)' is not one this Sediment reads")
        }
        let compression = manifest.compression
        // The object's key names its format and codec too: the two must agree, or one of
        // them is wrong and a read would decode the object with the wrong codec.
        let objectKey = key.hasSuffix(keySuffix) ? String(key.dropLast(keySuffix.count)) : key
        let expected = format.fileExtension(compression)
        guard objectKey.hasSuffix("." + expected) else {
            let named = WindowSettings.Format.ending(Substring(objectKey))
            throw invalid(
                key, "it says \(format.rawValue) with compression '\(compression.rawValue)' (objects ending in .\(expected)), and its object's key "
                    + (named.map { "ends in .\($0.format.fileExtension($0.compression)) (\($0.compression.rawValue))" } ?? "ends in no window extension"))
        }
        guard manifest.sha256.count == 64, manifest.size >= 0 else {
            throw invalid(key, "its size \(manifest.size) or SHA-256 '\(manifest.sha256)' is malformed")
        }
        var next: Int64 = 0
        var memberCount = 0
        for (ordinal, member) in manifest.members.enumerated() {
            guard member.offset == next, member.length > 0, member.count >= 0, member.minTimestamp <= member.maxTimestamp || member.count == 0 else {
                throw invalid(key, "member \(ordinal) at byte \(member.offset) does not follow the one before it (expected byte \(next))")
            }
            // Sums of counts a bucket made up could pass Int64: refused, never a trap.
            guard let end = sum(next, Int64(member.length)), let count = sum(memberCount, member.count) else {
                throw invalid(key, "member \(ordinal) at byte \(member.offset) is \(member.length) bytes and \(member.count) messages, past any object")
            }
            (next, memberCount) = (end, count)
        }
        let trailer = Int64(compression.trailerSize(members: manifest.members.count))
        guard manifest.members.isEmpty || (sum(next, trailer) == manifest.size && memberCount == manifest.count) else {
            throw invalid(
                key, "its members cover \(next) bytes"
                    + (trailer > 0 ? " (and \(trailer) of seek table)" : "")
                    + " and \(memberCount) messages, the object \(manifest.size) bytes and \(manifest.count) messages")
        }
        let partitionCount = manifest.partitions.reduce(Optional(0)) { total, partition in total.flatMap { sum($0, partition.count) } }
        guard partitionCount == manifest.count, manifest.partitions.allSatisfy({ $0.count >= 0 }) else {
            throw invalid(key, "its partitions add up to another count than \(manifest.count)")
        }
        if let partition = manifest.partition, manifest.partitions.contains(where: { $0.partition != partition }) {
            throw invalid(key, "it is the file of partition \(partition) but lists others")
        }
        for (name, kind) in [(manifest.instance, "instance"), (manifest.topic, "topic")] {
            do {
                try ArchiveName.validate(name, as: kind)
            } catch {
                throw invalid(key, "\(error)")
            }
        }
        return manifest
    }

    private static func sum<T: FixedWidthInteger>(_ a: T, _ b: T) -> T? {
        let (total, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : total
    }

    private static func invalid(_ key: String, _ reason: String) -> SedimentError {
        SedimentError(.invalidInput, "manifest \(key): \(reason)", context: ["key": key])
    }
}
