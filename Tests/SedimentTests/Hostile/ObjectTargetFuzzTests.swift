import PropertyBased
import SedimentObjectStore
import Testing

/// Target URIs (`--target`, `targets:` in a config file) and their canonical form, which
/// the index identifies targets by.
@Suite("Fuzz: target URIs")
struct ObjectTargetFuzzTests {
    static let seeds = [
        "s3://archive/prod/orders?endpoint=http://127.0.0.1:8333&region=us-east-1&path-style=true",
        "s3://archive?region=eu-west-1", "s3://a.b-c/x//y/?region=r&conditional-writes=false",
        "cos://archive-1250000000/p?region=ap-guangzhou", "cos://b-1?region=r&endpoint=https://COS.Example.COM:443",
        "file:///var/archive", "file:///tmp/../a/./b//", "file:///a%25b%3Fc", "S3://B?region=r&endpoint=http://h:80/",
    ]

    @Test("a URI either parses, and its canonical form parses to itself, or is refused with an error quoting it")
    func targets() async {
        let input = FuzzInput.text(
            seeds: Self.seeds,
            tokens: ["://", "s3", "cos", "file", "?", "&", "=", "region=", "endpoint=", "path-style=", "conditional-writes=", "http://", "https://", "[::1]", ":8333", "%26", "%3F", "%2F", "-1250000000"])
        await Fuzz.run("target URI", count: 5000, input: input) { uri in
            let target: ObjectTarget
            do {
                target = try ObjectTarget(parsing: uri)
            } catch let error as ObjectStoreError {
                try Fuzz.require(error.code == .invalidTarget, "code \(error.code)")
                try Fuzz.require(error.message.hasPrefix("invalid object store URI '\(uri)': "), "message \(error.message)")
                return .rejected
            }
            let canonical = target.canonicalURI
            let again: ObjectTarget
            do {
                again = try ObjectTarget(parsing: canonical)
            } catch {
                throw Fuzz.Violation("its canonical form \(String(reflecting: canonical)) does not parse: \(error)")
            }
            try Fuzz.require(again.canonicalURI == canonical, "canonical \(String(reflecting: canonical)) becomes \(String(reflecting: again.canonicalURI))")
            try Fuzz.require(
                again.flavor == target.flavor && again.region == target.region && again.pathStyle == target.pathStyle
                    && again.conditionalWrites == target.conditionalWrites && (target.flavor == .file || again.bucket == target.bucket),
                "canonical \(String(reflecting: canonical)) names another target: \(again) \(again.region ?? "-") than \(target) \(target.region ?? "-")")
            try Fuzz.require(ObjectTarget.canonicalURI(uri) == canonical, "the static form differs")
            return .accepted
        }
    }

    @Test("found by fuzzing: a file target that resolves to /, and parameters holding '&', are refused or read back the same")
    func regressions() throws {
        for uri in ["file:///", "file:///..", "file:///a/../..", "file:////", "file:///./"] {
            let error = try #require(throws: ObjectStoreError.self) { try ObjectTarget(parsing: uri) }
            #expect(error.message.contains("a directory other than /"), "\(uri): \(error)")
        }
        let error = try #require(throws: ObjectStoreError.self) { try ObjectTarget(parsing: "cos://a-1/p?region=ap-gu%26angzhou") }
        #expect(error.message.contains("region 'ap-gu&angzhou' may hold only"))
        let target = try ObjectTarget(parsing: "s3://b?region=r&endpoint=http%3A%2F%2Fh%26x%3D1")
        #expect(try ObjectTarget(parsing: target.canonicalURI).canonicalURI == target.canonicalURI)
        #expect(try ObjectTarget(parsing: target.canonicalURI).endpoint == target.endpoint)
    }

}
