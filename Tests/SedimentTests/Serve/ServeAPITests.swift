import Foundation
import Testing
@testable import Sediment

/// `sediment serve`'s JSON API, each route checked against the archive's own data and
/// against the CLI that prints the same.
@Suite("serve: the API")
struct ServeAPITests {
    static let range = "from=\(windowBase)&to=\(windowBase + 2_000)"

    /// Two JSON documents hold the same values, whatever their key order and spacing.
    static func sameJSON(_ a: Data, _ b: Data) throws -> Bool {
        let left = try JSONSerialization.jsonObject(with: a) as? NSObject
        let right = try JSONSerialization.jsonObject(with: b) as? NSObject
        return left != nil && left == right
    }

    @Test("/api/status is status --json; /api/topics and /api/windows are the archive's partitions and window files with their upload states")
    func statusTopicsWindows() async throws {
        let serve = try ServeFixture(label: "serve-api")
        let status = try await serve.get("/api/status")
        #expect(status.status == 200 && status.headers["content-type"].first == "application/json")
        let printed = try CLIProcess.succeed(["status", "--archive", serve.archive.path, "--json"], scratch: serve.scratch)
        #expect(try Self.sameJSON(status.body, printed), "\(status.text)")

        let archive = try Archive.open(at: serve.archive.path)
        let topics = try JSONDecoder().decode([ArchiveTopicJSON].self, from: try await serve.get("/api/topics").body)
        #expect(topics.count == 1 && topics[0].instance == "local" && topics[0].topic == "orders")
        #expect(topics[0].partitions == (try archive.statistics()).sorted { $0.partition < $1.partition })
        #expect(topics[0].windows?.files == (try archive.windowFiles()).count)

        let windows = try JSONDecoder().decode([WindowListing].self, from: try await serve.get("/api/windows?topic=orders").body)
        let expected = try archive.windowListing(instance: "local", topic: "orders", range: Int64.min..<Int64.max)
        #expect(!windows.isEmpty && windows == expected)
        #expect(windows.allSatisfy { $0.uploads.count == 1 && $0.uploads[0].state == "uploaded" && $0.uploads[0].key.hasSuffix(".jsonl.gz") })
        let some = try JSONDecoder().decode(
            [WindowListing].self, from: try await serve.get("/api/windows?topic=orders&from=\(windowBase + 300_000)&to=\(windowBase + 600_000)").body)
        #expect(some == expected.filter { $0.file.windowStart == windowBase + 300_000 }, "\(some.map(\.file.windowStart))")
    }

    @Test("/api/query streams what sediment query prints, with its partitions, keys, format and limit")
    func queryEqualsTheCLI() async throws {
        let serve = try ServeFixture(label: "serve-query")
        let archive = serve.archive.path
        let cases: [(http: String, cli: [String])] = [
            ("topic=orders&from=0", ["--from", "0"]),
            ("topic=orders&\(Self.range)", ["--from", "\(windowBase)", "--to", "\(windowBase + 2_000)"]),
            ("topic=orders&from=0&partition=1&partition=2&limit=500", ["--from", "0", "--partition", "1", "--partition", "2", "--limit", "500"]),
            ("topic=orders&from=0&format=value", ["--from", "0", "--format", "value"]),
            ("topic=orders&from=0&key=key-12", ["--from", "0", "--key", "key-12"]),
        ]
        for (http, cli) in cases {
            let reply = try await serve.get("/api/query?" + http)
            let printed = try CLIProcess.succeed(["query", "--archive", archive, "--topic", "orders"] + cli, scratch: serve.scratch)
            #expect(reply.status == 200 && !printed.isEmpty && reply.body == printed, "\(http): \(reply.body.count) bytes against \(printed.count)")
        }
    }

    @Test("bad parameters are 400s naming them, an unknown topic a 404, escaping paths read nothing; none names the archive's directory")
    func errors() async throws {
        let serve = try ServeFixture(label: "serve-errors")
        let cases: [(path: String, status: Int, parameter: String?)] = [
            ("/api/query?from=0", 400, "topic"),
            ("/api/query?topic=orders", 400, "from"),
            ("/api/query?topic=orders&from=yesterday-ish", 400, "from"),
            ("/api/query?topic=orders&from=0&limit=-3", 400, "limit"),
            ("/api/query?topic=orders&from=0&partition=x", 400, "partition"),
            ("/api/query?topic=orders&from=0&format=xml", 400, "format"),
            ("/api/windows?topic=orders&from=10&to=5", 400, "from"),
            ("/api/query?topic=payments&from=0", 404, "topic"),
            ("/api/windows?topic=..%2F..%2Fetc%2Fpasswd", 404, "topic"),
            ("/api/windows?topic=orders&instance=..%2F..", 404, "topic"),
        ]
        for (path, status, parameter) in cases {
            let reply = try await serve.get(path)
            #expect(reply.status == status, "\(path): \(reply.status) \(reply.text)")
            let body = try JSONSerialization.jsonObject(with: reply.body) as? [String: String]
            #expect(body?["error"]?.isEmpty == false && body?["parameter"] == parameter, "\(path): \(reply.text)")
            #expect(!reply.text.contains(serve.archive.path), "\(path): \(reply.text)")
        }
        for line in ["GET /api/../../etc/passwd HTTP/1.1", "GET /../sediment.sqlite HTTP/1.1", "GET /api/topics/../../segments HTTP/1.1"] {
            let status = try serve.rawStatus(line)
            #expect(status == 404 || status == 400, "\(line): \(status)")
        }
        let document = try await serve.get("/api/openapi.json")
        let paths = (try JSONSerialization.jsonObject(with: document.body) as? [String: Any])?["paths"] as? [String: Any]
        #expect(Set(paths?.keys.map { $0 } ?? []) == ["/healthz", "/api/topics", "/api/status", "/api/windows", "/api/query"])
    }

    @Test("--token: 401 without it, the bearer or the cookie /?token= sets (HttpOnly) let in, /healthz stays open")
    func token() async throws {
        let serve = try ServeFixture(label: "serve-token", token: "t0ken-Zq93")
        #expect(try await serve.get("/api/topics", authorized: false).status == 401)
        #expect(try await serve.get("/api/topics", authorized: false, headers: [("Authorization", "Bearer wrong")]).status == 401)
        #expect(try await serve.get("/api/topics").status == 200)
        #expect(try await serve.get("/healthz", authorized: false).status == 200)
        #expect(try await serve.get("/?token=wrong", authorized: false).status == 401)
        let opened = try await serve.get("/?token=t0ken-Zq93", authorized: false)
        let cookie = opened.headers["set-cookie"].first ?? ""
        #expect(opened.status == 303 && opened.headers["location"].first == "/", "\(opened.status)")
        #expect(cookie.hasPrefix("sediment_token=t0ken-Zq93") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        let withCookie = try await serve.get("/api/status", authorized: false, headers: [("Cookie", "sediment_token=t0ken-Zq93")])
        #expect(withCookie.status == 200)
        #expect(try serve.rawStatus("GET /api/topics HTTP/1.1") == 200)
    }
}

/// `/api/topics`' entries.
struct ArchiveTopicJSON: Decodable {
    var instance: String
    var topic: String
    var partitions: [PartitionStatistics]
    var windows: WindowStatistics?
}
