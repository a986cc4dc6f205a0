import Foundation

extension ObjectTarget {
    /// One spelling per target, so that two spellings of one bucket and prefix are one
    /// target (the index identifies targets by it):
    ///
    /// - `file://` and the directory without `.` components, `..` resolved, no repeated or
    ///   trailing slash (`%` and `?` percent-encoded);
    /// - `s3://` or `cos://`, the bucket, `/` and the prefix when there is one (no leading,
    ///   trailing or repeated slash), then the parameters in name order:
    ///   `conditional-writes=false` when set, `endpoint` (scheme and host lowercased, the
    ///   scheme's default port left out) unless it is the flavor's default for the region,
    ///   `path-style=true` when set, and `region`.
    public var canonicalURI: String {
        switch flavor {
        case .file:
            let path = Self.resolved(bucket)
            return "file://" + path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3F")
        case .cos, .s3:
            let prefix = self.prefix.split(separator: "/").joined(separator: "/")
            var parameters: [String] = []
            if !conditionalWrites { parameters.append("conditional-writes=false") }
            if let endpoint = endpoint.map(Self.canonicalEndpoint), endpoint != defaultEndpoint {
                // Percent-encoded past the characters of a plain URL, so that a host
                // holding `&` or `=` cannot read back as another parameter.
                parameters.append("endpoint=" + (endpoint.addingPercentEncoding(withAllowedCharacters: Self.endpointCharacters) ?? endpoint))
            }
            if pathStyle { parameters.append("path-style=true") }
            if let region { parameters.append("region=" + region) }
            return "\(flavor.rawValue)://\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix)
                + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
        }
    }

    /// An absolute directory without `.` components, `..` resolved (up to the root), no
    /// repeated or trailing slash.
    static func resolved(_ directory: String) -> String {
        var components: [Substring] = []
        for component in directory.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return "/" + components.joined(separator: "/")
    }

    private static let endpointCharacters = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(0x7F)))
        .union(CharacterSet(charactersIn: ":/.-_[]~"))

    /// `uri`'s canonical form, or `uri` itself when it does not parse.
    public static func canonicalURI(_ uri: String) -> String {
        (try? ObjectTarget(parsing: uri))?.canonicalURI ?? uri
    }

    /// The endpoint a URI without one gets (`init(parsing:)`).
    private var defaultEndpoint: String? {
        guard let region else { return nil }
        switch flavor {
        case .cos: return "https://cos.\(region).myqcloud.com"
        case .s3: return "https://s3.\(region).amazonaws.com"
        case .file: return nil
        }
    }

    private static func canonicalEndpoint(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? "https"
        let host = url.host?.lowercased() ?? ""
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(host)" + (url.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
    }
}
