import Foundation

/// Where objects go, parsed from a URI:
///
/// - `cos://BUCKET-APPID[/prefix]?region=REGION[&endpoint=URL][&path-style=true]`:
///   the COS XML API with COS's own signature; `https://BUCKET-APPID.cos.REGION.myqcloud.com`
///   unless `endpoint` names another host.
/// - `s3://BUCKET[/prefix]?endpoint=URL&region=REGION[&path-style=true]`: AWS SigV4.
///
/// Both HTTP flavors take `conditional-writes=false` for a store that does not honour
/// create-only writes (`If-None-Match: *`, `x-cos-forbid-overwrite`): uploads then look
/// the key up before writing instead.
/// - `file:///DIR[/prefix]`: a directory laid out like a bucket.
public struct ObjectTarget: Sendable, Hashable, CustomStringConvertible {
    public enum Flavor: String, Sendable, Hashable {
        case cos, s3, file
    }

    public var flavor: Flavor
    /// The bucket name (`name-appid` for COS); for `file`, the directory.
    public var bucket: String
    /// A key prefix without leading or trailing slash, possibly empty.
    public var prefix: String
    public var region: String?
    /// Scheme, host and port of the server, e.g. `http://127.0.0.1:8333`; nil for `file`.
    public var endpoint: URL?
    /// Bucket in the path (`endpoint/bucket/key`) rather than in the host name.
    public var pathStyle: Bool
    /// Whether the store refuses a create-only write to a key that holds an object. True
    /// for `file` and, unless the URI says `conditional-writes=false`, for COS and S3
    /// (AWS since 2024, SeaweedFS, MinIO).
    public var conditionalWrites = true

    public init(flavor: Flavor, bucket: String, prefix: String = "", region: String? = nil, endpoint: URL? = nil, pathStyle: Bool = false) {
        self.flavor = flavor
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.region = region
        self.endpoint = endpoint
        self.pathStyle = pathStyle
    }

    /// Parses and validates `uri`; the error names what is wrong.
    public init(parsing uri: String) throws {
        func invalid(_ why: String) -> ObjectStoreError {
            ObjectStoreError(.invalidTarget, message: "invalid object store URI '\(uri)': \(why)")
        }
        guard let schemeEnd = uri.range(of: "://") else {
            throw invalid("expected cos://, s3:// or file://")
        }
        let scheme = uri[..<schemeEnd.lowerBound].lowercased()
        guard let flavor = Flavor(rawValue: scheme) else {
            throw invalid("unsupported scheme '\(scheme)' (expected cos, s3 or file)")
        }
        var rest = String(uri[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let name = parts[0].removingPercentEncoding ?? parts[0]
                query[name] = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
            }
            rest = String(rest[..<mark])
        }

        if flavor == .file {
            let directory = rest.removingPercentEncoding ?? rest
            // `..` up to the root counts as the root: no store is the whole file system.
            guard rest.hasPrefix("/") else {
                throw invalid("a file URI needs an absolute directory, e.g. file:///var/archive")
            }
            guard Self.resolved(directory) != "/" else {
                throw invalid("a file URI needs a directory other than /, e.g. file:///var/archive")
            }
            self.init(flavor: .file, bucket: directory)
            return
        }

        let slash = rest.firstIndex(of: "/")
        let bucket = String(slash.map { rest[..<$0] } ?? rest[...])
        let prefix = slash.map { String(rest[rest.index(after: $0)...]) } ?? ""
        guard !bucket.isEmpty else { throw invalid("missing bucket name") }
        guard bucket.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw invalid("bucket '\(bucket)' may hold only letters, digits, '-' and '.'")
        }
        let known: Set = ["region", "endpoint", "path-style", "conditional-writes"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw invalid("unknown parameter '\(unknown)' (known: endpoint, region, path-style, conditional-writes)")
        }
        let conditionalWrites: Bool
        switch query["conditional-writes"]?.lowercased() {
        case nil, "true", "1", "": conditionalWrites = true
        case "false", "0": conditionalWrites = false
        case let other?: throw invalid("conditional-writes must be true or false, not '\(other)'")
        }
        let region = query["region"].flatMap { $0.isEmpty ? nil : $0 }
        // A region becomes part of a host name (the default endpoint) and of signatures.
        if let region, !region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            throw invalid("region '\(region)' may hold only letters, digits, '-', '_' and '.'")
        }
        let pathStyle: Bool
        switch query["path-style"]?.lowercased() {
        case nil, "false", "0": pathStyle = false
        case "true", "1", "": pathStyle = true
        case let other?: throw invalid("path-style must be true or false, not '\(other)'")
        }
        var endpoint: URL?
        if let text = query["endpoint"] {
            guard let url = URL(string: text), let endpointScheme = url.scheme?.lowercased(),
                endpointScheme == "http" || endpointScheme == "https", let host = url.host, !host.isEmpty
            else {
                throw invalid("endpoint '\(text)' must be an http:// or https:// URL with a host")
            }
            guard url.path.isEmpty || url.path == "/", url.query == nil else {
                throw invalid("endpoint '\(text)' must not have a path or query")
            }
            endpoint = URL(string: "\(endpointScheme)://\(host)\(url.port.map { ":\($0)" } ?? "")")
        }
        switch flavor {
        case .cos:
            guard let region else { throw invalid("missing region (add ?region=ap-guangzhou or similar)") }
            guard bucket.range(of: #"-[0-9]+$"#, options: .regularExpression) != nil else {
                throw invalid("a COS bucket is named BUCKET-APPID, e.g. archive-1250000000")
            }
            endpoint = endpoint ?? URL(string: "https://cos.\(region).myqcloud.com")
        case .s3:
            guard let region else { throw invalid("missing region (add ?region=us-east-1 or similar)") }
            endpoint = endpoint ?? URL(string: "https://s3.\(region).amazonaws.com")
        case .file:
            break
        }
        self.init(flavor: flavor, bucket: bucket, prefix: prefix, region: region, endpoint: endpoint, pathStyle: pathStyle)
        self.conditionalWrites = conditionalWrites
    }

    /// The full key of `key` under this target's prefix.
    public func fullKey(_ key: String) -> String {
        prefix.isEmpty ? key : prefix + "/" + key
    }

    /// Where `key` is, as a person reads it: `s3://bucket/prefix/key`.
    public func fullKeyDescription(_ key: String) -> String {
        bucketDescription + "/" + fullKey(key)
    }

    /// `key` relative to the prefix, for keys the store lists.
    func relativeKey(_ fullKey: String) -> String {
        guard !prefix.isEmpty, fullKey.hasPrefix(prefix + "/") else { return fullKey }
        return String(fullKey.dropFirst(prefix.count + 1))
    }

    /// The URI again, without secrets (there are none in it).
    public var description: String {
        switch flavor {
        case .file: return "file://" + bucket
        case .cos, .s3: return "\(flavor.rawValue)://\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix)
        }
    }

    /// `scheme://bucket` as errors name it.
    var bucketDescription: String {
        flavor == .file ? "file://" + bucket : "\(flavor.rawValue)://\(bucket)"
    }
}
