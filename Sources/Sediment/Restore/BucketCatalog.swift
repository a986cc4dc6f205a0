import Foundation
import SedimentObjectStore

/// One window object of a bucket, with its manifest when it has one.
public struct BucketWindow: Sendable, Hashable {
    public var key: String
    public var object: ObjectInfo
    public var fields: KeyTemplate.KeyFields
    /// Nil when the object has no manifest beside it (uploaded by a Sediment before
    /// manifests, or its manifest lost), or one that cannot be used (`problem` says why).
    public var manifest: WindowManifest?
    /// Why the manifest beside the object cannot be used: it does not decode, describes
    /// another window, or could not be read.
    public var problem: String?

    public var instance: String? { manifest?.instance ?? fields.instance }
    public var windowStart: Int64 { fields.windowStart }
    public var part: Int { manifest?.part ?? fields.part }
    /// The one partition of a split file (the manifest says; without one, the key).
    public var splitPartition: Int32? { manifest.map(\.partition) ?? fields.splitPartition }
}

/// The windows of one topic in a bucket: listed under the template's prefix (every page),
/// told apart by their keys, then described by their manifests, fetched only for the
/// windows that can meet the range.
struct BucketCatalog {
    let store: any ObjectStore
    let template: KeyTemplate
    var concurrency = 16

    struct Listing: Sendable {
        var windows: [BucketWindow] = []
        /// Objects under the prefix whose keys the template cannot give: another
        /// template's windows, or anything else; counted, so that a wrong template shows.
        var unmatchedKeys = 0
        var manifestBytes: Int64 = 0
    }

    /// The windows holding messages whose timestamps may fall in `range`. Windows of a topic
    /// never overlap in window time, so past the windows that start in the range only the
    /// last one starting before it can reach into it; ingest-time windows (their manifests
    /// say so) hold messages of any earlier time, so then every later window is read too.
    func windows(instance: String?, topic: String, range: Range<Int64>) async throws -> Listing {
        let (found, manifestKeys, unmatched) = try await objects(instance: instance, topic: topic)
        var listing = Listing()
        listing.unmatchedKeys = unmatched
        let instances = Set(found.compactMap(\.1.instance))
        if instance == nil && instances.count > 1 {
            throw SedimentError(
                .invalidArgument,
                "topic '\(topic)' is in the bucket from several instances (\(instances.sorted().joined(separator: ", "))): choose one with `instance`",
                context: ["topic": topic])
        }
        let before = found.map(\.1.windowStart).filter { $0 < range.lowerBound }.max()
        var first = found.filter { range.contains($0.1.windowStart) || $0.1.windowStart == before }
        // With no window there in time, the newest one still tells which time its topic uses.
        var probed: String?
        if first.isEmpty, let newest = found.max(by: { $0.1.windowStart < $1.1.windowStart }) {
            first = [newest]
            probed = newest.0.key
        }
        var windows = try await describe(first, manifestKeys: manifestKeys, bytes: &listing.manifestBytes)
        if windows.contains(where: { $0.manifest?.windowTime == WindowSettings.WindowTime.ingest.rawValue }) {
            let later = found.filter { $0.1.windowStart >= range.upperBound && $0.0.key != probed }
            windows += try await describe(later, manifestKeys: manifestKeys, bytes: &listing.manifestBytes)
        } else if let probed {
            windows.removeAll { $0.key == probed }
        }
        listing.windows = windows.filter { window in
            guard let manifest = window.manifest else { return true }
            return manifest.count > 0 && manifest.minTimestamp < range.upperBound && manifest.maxTimestamp >= range.lowerBound
        }.sorted { ($0.windowStart, $0.splitPartition ?? -1, $0.part, $0.key) < ($1.windowStart, $1.splitPartition ?? -1, $1.part, $1.key) }
        return listing
    }

    /// The instances the bucket holds `topic` from: named by the keys, or by a manifest when
    /// the template has no `{instance}`.
    func instances(holding topic: String) async throws -> [String] {
        let (found, _, _) = try await objects(instance: nil, topic: topic)
        var named = Set(found.compactMap(\.1.instance))
        let unnamed = found.first { $0.1.instance == nil }?.0.key
        if let unnamed, named.isEmpty {
            let key = WindowManifest.key(forObject: unnamed)
            named.insert(try WindowManifest.decode(try await store.getObject(key: key, range: nil, maxBytes: 64 << 20), key: key).instance)
        }
        return named.sorted()
    }

    /// The window objects of the topic under the template's prefix (every page), told apart
    /// by their keys; the manifests' keys; and how many keys the template cannot give.
    private func objects(
        instance: String?, topic: String
    ) async throws -> (found: [(ObjectInfo, KeyTemplate.KeyFields)], manifestKeys: Set<String>, unmatched: Int) {
        let listed = try await store.listObjects(prefix: template.listingPrefix(instance: instance, topic: topic))
        var found: [(ObjectInfo, KeyTemplate.KeyFields)] = []
        var unmatched = 0
        for object in listed where !object.key.hasSuffix(WindowManifest.keySuffix) {
            guard let fields = template.match(object.key) else {
                unmatched += 1
                continue
            }
            guard fields.topic == nil || fields.topic == topic, instance == nil || fields.instance == nil || fields.instance == instance else { continue }
            found.append((object, fields))
        }
        return (found, Set(listed.lazy.map(\.key).filter { $0.hasSuffix(WindowManifest.keySuffix) }), unmatched)
    }

    /// Fetches the manifests of `objects`; a manifest that cannot be used is the window's
    /// problem, not the listing's.
    private func describe(
        _ objects: [(ObjectInfo, KeyTemplate.KeyFields)], manifestKeys: Set<String>, bytes: inout Int64
    ) async throws -> [BucketWindow] {
        let store = self.store
        let described = try await objects.concurrentMap(limit: concurrency) { object, fields -> (BucketWindow, Int64) in
            var window = BucketWindow(key: object.key, object: object, fields: fields)
            let manifestKey = WindowManifest.key(forObject: object.key)
            guard manifestKeys.contains(manifestKey) else { return (window, 0) }
            let data: Data
            do {
                data = try await store.getObject(key: manifestKey, range: nil, maxBytes: 64 << 20)
            } catch {
                window.problem = "its manifest \(manifestKey) could not be read: \(error)"
                return (window, 0)
            }
            do {
                let manifest = try WindowManifest.decode(data, key: manifestKey)
                guard manifest.windowStart == fields.windowStart, manifest.part == fields.part,
                      fields.splitPartition == nil || manifest.partition == fields.splitPartition,
                      fields.topic == nil || manifest.topic == fields.topic, fields.instance == nil || manifest.instance == fields.instance else {
                    window.problem = "its manifest \(manifestKey) describes window \(manifest.windowStart) part \(manifest.part) of '\(manifest.topic)', not the object its key names"
                    return (window, Int64(data.count))
                }
                window.manifest = manifest
            } catch {
                window.problem = "\(error)"
            }
            return (window, Int64(data.count))
        }
        bytes += described.reduce(0) { $0 + $1.1 }
        return described.map(\.0)
    }
}
