import Foundation
import SedimentObjectStore

/// One window object of a bucket, with its manifest when it has one.
public struct BucketWindow: Sendable, Hashable {
    public var key: String
    public var object: ObjectInfo
    public var fields: KeyTemplate.KeyFields
    /// Nil when the object has no manifest beside it (uploaded by a Sediment before
    /// manifests, or its manifest lost): its members must be found by reading it.
    public var manifest: WindowManifest?

    public var instance: String? { manifest?.instance ?? fields.instance }
    public var windowStart: Int64 { fields.windowStart }
    public var part: Int { manifest?.part ?? fields.part }
}

/// The windows of one topic in a bucket: listed under the template's prefix (every page),
/// told apart by their keys, then described by their manifests, fetched only for the
/// windows that can meet the range.
struct BucketCatalog {
    let store: any ObjectStore
    let template: KeyTemplate
    var concurrency = 16

    func windows(instance: String?, topic: String, range: Range<Int64>) async throws -> [BucketWindow] {
        let listed = try await store.listObjects(prefix: template.listingPrefix(instance: instance, topic: topic))
        let manifestKeys = Set(listed.lazy.map(\.key).filter { $0.hasSuffix(WindowManifest.keySuffix) })
        var found: [(ObjectInfo, KeyTemplate.KeyFields)] = []
        for object in listed where !object.key.hasSuffix(WindowManifest.keySuffix) {
            guard let fields = template.match(object.key), fields.topic == nil || fields.topic == topic,
                  instance == nil || fields.instance == nil || fields.instance == instance else { continue }
            found.append((object, fields))
        }
        let instances = Set(found.compactMap(\.1.instance))
        if instance == nil && instances.count > 1 {
            throw SedimentError(
                .invalidArgument,
                "topic '\(topic)' is in the bucket from several instances (\(instances.sorted().joined(separator: ", "))): choose one with `instance`",
                context: ["topic": topic])
        }
        // Windows of a topic never overlap: past the windows that start in the range, only
        // the last one starting before it can reach into it.
        let before = found.map(\.1.windowStart).filter { $0 < range.lowerBound }.max()
        let candidates = found.filter { range.contains($0.1.windowStart) || $0.1.windowStart == before }
        let store = self.store
        let windows = try await candidates.concurrentMap(limit: concurrency) { object, fields -> BucketWindow in
            let manifestKey = WindowManifest.key(forObject: object.key)
            guard manifestKeys.contains(manifestKey) else { return BucketWindow(key: object.key, object: object, fields: fields) }
            let manifest = try WindowManifest.decode(try await store.getObject(key: manifestKey, range: nil, maxBytes: 64 << 20), key: manifestKey)
            guard manifest.topic == topic, manifest.windowStart == fields.windowStart, manifest.part == fields.part,
                  fields.instance == nil || manifest.instance == fields.instance else {
                throw SedimentError(
                    .invalidInput,
                    "manifest \(manifestKey) describes window \(manifest.windowStart) part \(manifest.part) of '\(manifest.topic)', not the object its key names",
                    context: ["key": manifestKey])
            }
            return BucketWindow(key: object.key, object: object, fields: fields, manifest: manifest)
        }
        return windows.filter { window in
            guard let manifest = window.manifest else { return true }
            return manifest.windowStart < range.upperBound && manifest.windowEnd > range.lowerBound
        }.sorted { ($0.windowStart, $0.part, $0.key) < ($1.windowStart, $1.part, $1.key) }
    }
}
