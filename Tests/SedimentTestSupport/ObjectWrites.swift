import Foundation

/// What the writes a `FaultProxy` passed to a bucket did to its objects, from the store's
/// own answers: every PutObject and CompleteMultipartUpload the store accepted (2xx), with
/// the ETag it gave, and every object DELETE it accepted; the `.sediment-probe-` objects a
/// start writes and deletes to check the target are left out.
///
/// The ETag is the store's digest of what it stored (the MD5 of a single PUT's bytes; for
/// a multipart object, the MD5 of its parts' MD5s and their count), so two accepted writes
/// of one key with different ETags mean the object's content changed: a rewrite. Keys seen
/// once with one ETag were written once, or again with the same bytes (a retry, a rerun
/// that found the object already there), which changes nothing.
public struct ObjectWrites: Sendable {
    /// Key → the distinct ETags (without quotes, as listings give them) of its accepted
    /// writes, in order of first appearance.
    public private(set) var etags: [String: [String]] = [:]
    /// Keys whose accepted write came back without an ETag: nothing to compare, so counted apart.
    public private(set) var withoutETag: Set<String> = []
    /// Keys the store deleted.
    public private(set) var deleted: Set<String> = []
    /// Accepted writes of objects in all, and how many of them completed multipart uploads.
    public private(set) var accepted = 0
    public private(set) var multipart = 0
    /// Key → the kinds of its accepted writes, in order: more than one means the same
    /// bytes were accepted again (a retry, a write that replaces with what is there).
    public private(set) var writes: [String: [FaultProxy.Kind]] = [:]

    /// The writes among `requests` (path-style, `/bucket/key?query`) to `bucket`.
    public init(_ requests: [FaultProxy.Logged], bucket: String) {
        for request in requests {
            guard let reply = request.reply, (200..<300).contains(reply.status), let key = Self.key(of: request.target, bucket: bucket),
                !key.split(separator: "/").last!.hasPrefix(".sediment-probe-")
            else { continue }
            switch request.kind {
            case .putObject, .complete:
                accepted += 1
                if request.kind == .complete { multipart += 1 }
                writes[key, default: []].append(request.kind)
                guard let etag = reply.etag?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) else {
                    withoutETag.insert(key)
                    continue
                }
                if !(etags[key]?.contains(etag) ?? false) { etags[key, default: []].append(etag) }
            case .other where request.method == "DELETE":
                deleted.insert(key)
            default:
                continue
            }
        }
    }

    /// Keys whose content the store accepted twice, differently.
    public var rewritten: [String: [String]] { etags.filter { $0.value.count > 1 } }

    static func key(of target: String, bucket: String) -> String? {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let prefix = "/" + bucket + "/"
        guard path.hasPrefix(prefix) else { return nil }
        let key = String(path.dropFirst(prefix.count))
        return key.isEmpty ? nil : key.removingPercentEncoding ?? key
    }
}
