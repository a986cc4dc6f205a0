import AsyncHTTPClient
import Foundation
import Logging
import SedimentObjectStore

#if canImport(Glibc)
import Glibc
#endif

/// One SeaweedFS S3 gateway (`weed mini`) for the whole test run, started on first use.
///
/// It listens on loopback only, with every port moved to free ones (S3, master, volume,
/// filer, admin and their gRPC ports, each gRPC port being its port + 10000 as weed's
/// components assume), SigV4 enforced with the `accessKey`/`secretKey` below, and its
/// data in a temporary directory. It is started under a small `sh` that holds the read
/// end of a pipe whose write end only this process holds: when the test process exits,
/// however it exits, the pipe reaches EOF and the shell stops weed and removes the data.
/// A missing `weed` fails every test that needs it, with the reason.
public final class SeaweedFS: Sendable {
    public static let accessKey = "sediment-test-ak"
    public static let secretKey = "sediment-test-secret-Kx81"

    /// A key pair the server knows, and what it may do.
    public struct Identity: Sendable {
        public let name: String
        public let accessKey: String
        public let secretKey: String
        public let actions: [String]

        public var credentials: Credentials { Credentials(accessKeyID: accessKey, secretAccessKey: secretKey) }
    }

    public static let admin = Identity(
        name: "admin", accessKey: accessKey, secretKey: secretKey, actions: ["Admin", "Read", "List", "Tagging", "Write"])
    /// A second full identity: what rotated credentials switch to.
    public static let rotated = Identity(
        name: "rotated", accessKey: "sediment-test-ak-rotated", secretKey: "sediment-test-secret-rotated-V5",
        actions: ["Read", "List", "Tagging", "Write"])
    /// Reads and lists, and is refused every write: a read-only policy.
    public static let readOnly = Identity(
        name: "reader", accessKey: "sediment-test-ak-reader", secretKey: "sediment-test-secret-reader-M2", actions: ["Read", "List"])

    public let s3Port: Int
    public let dataDirectory: String
    private let lifeline: FileHandle

    public var endpoint: String { "http://127.0.0.1:\(s3Port)" }

    public static let shared = Task<SeaweedFS, any Error> { try await SeaweedFS.start() }

    /// The running server, starting it if this is the first call.
    public static func running() async throws -> SeaweedFS {
        try await shared.value
    }

    private init(s3Port: Int, dataDirectory: String, lifeline: FileHandle) {
        self.s3Port = s3Port
        self.dataDirectory = dataDirectory
        self.lifeline = lifeline
    }

    public static func start() async throws -> SeaweedFS {
        guard let weed = findExecutable("weed") else {
            throw TestFailure("SeaweedFS is required: `weed` was not found in \(Tools.venvBin) or on PATH (scripts/setup, run by `make test`, installs it there)")
        }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sediment-weed-\(getpid())-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let identities = [admin, rotated, readOnly].map { identity in
            [
                "name": identity.name, "actions": identity.actions,
                "credentials": [["accessKey": identity.accessKey, "secretKey": identity.secretKey]],
            ] as [String: Any]
        }
        let config = try JSONSerialization.data(withJSONObject: ["identities": identities])
        try config.write(to: URL(fileURLWithPath: data + "/s3.json"))
        let ports = try FreePorts.pairs(count: 5)
        let (s3, master, volume, filer, admin) = (ports[0], ports[1], ports[2], ports[3], ports[4])
        let arguments = [
            // glog's files would otherwise pile up in /tmp, a few per run.
            "-logdir=\(data)",
            "mini", "-dir=\(data)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-s3.port=\(s3)", "-s3.port.grpc=\(s3 + 10000)", "-master.port=\(master)", "-master.port.grpc=\(master + 10000)",
            "-volume.port=\(volume)", "-volume.port.grpc=\(volume + 10000)", "-filer.port=\(filer)",
            "-filer.port.grpc=\(filer + 10000)", "-admin.port=\(admin)", "-admin.port.grpc=\(admin + 10000)",
            "-s3.config=\(data)/s3.json", "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-filer.localSocket=\(data)/filer.sock", "-s3.localSocket=\(data)/s3.sock", "-master.volumeSizeLimitMB=64",
            // A PUT into a missing bucket must fail as it does on S3 and COS.
            "-s3.autoCreateBucket=false",
        ]
        // `read` returns when this process's end of the pipe closes; then weed is stopped.
        // weed puts its gRPC sockets in /tmp whatever its flags say: they go with its data.
        let sockets = [("s3", s3), ("master", master), ("volume", volume), ("filer", filer), ("admin", admin)]
            .map { "/tmp/seaweedfs-\($0.0)-grpc-\($0.1 + 10000).sock" }.joined(separator: " ")
        let script = #""$@" > "$DATA/weed.log" 2>&1 < /dev/null & pid=$!; read _; kill -TERM $pid; sleep 4; kill -KILL $pid 2>/dev/null; rm -rf "$DATA" $SOCKETS"#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh", weed] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["DATA": data, "SOCKETS": sockets]) { $1 }
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        let server = SeaweedFS(s3Port: s3, dataDirectory: data, lifeline: pipe.fileHandleForWriting)
        try await server.waitUntilReady()
        return server
    }

    /// Polls by creating a bucket: the gateway answers only once the filer is up.
    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                try await withStore(bucket: "readiness") { try await $0.createBucket() }
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let log = (try? String(contentsOfFile: dataDirectory + "/weed.log", encoding: .utf8))?.suffix(2000) ?? ""
        throw TestFailure("weed mini did not become ready in 30 s: \(lastError.map { "\($0)" } ?? "")\n\(log)")
    }

    /// A store on `bucket`, through `endpoint` (the gateway itself unless a proxy is given).
    public func store(
        bucket: String, endpoint: String? = nil, secretKey: String = SeaweedFS.secretKey,
        configuration: HTTPObjectStore.Configuration = fastRetries
    ) throws -> HTTPObjectStore {
        try store(
            bucket: bucket, endpoint: endpoint, credentials: Credentials(accessKeyID: Self.accessKey, secretAccessKey: secretKey),
            configuration: configuration)
    }

    /// A store on `bucket` signing with what `credentials` gives at each request.
    public func store(
        bucket: String, endpoint: String? = nil, credentials: any CredentialsProvider,
        configuration: HTTPObjectStore.Configuration = fastRetries, logger: Logger = Logger(label: "test.objectstore")
    ) throws -> HTTPObjectStore {
        try HTTPObjectStore(target: target(bucket: bucket, endpoint: endpoint), credentials: credentials, configuration: configuration, logger: logger)
    }

    /// The URI of `bucket` on this server (or through `endpoint`), as the CLI takes it.
    public func uri(bucket: String, prefix: String = "", endpoint: String? = nil) -> String {
        "s3://\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)?endpoint=\(endpoint ?? self.endpoint)&region=us-east-1&path-style=true"
    }

    public func target(bucket: String, prefix: String = "", endpoint: String? = nil) throws -> ObjectTarget {
        try ObjectTarget(parsing: uri(bucket: bucket, prefix: prefix, endpoint: endpoint))
    }

    /// Runs `body` with a store and shuts the store's client down afterwards.
    public func withStore<T: Sendable>(
        bucket: String, endpoint: String? = nil, secretKey: String = SeaweedFS.secretKey,
        configuration: HTTPObjectStore.Configuration = fastRetries,
        _ body: (HTTPObjectStore) async throws -> T
    ) async throws -> T {
        let store = try store(bucket: bucket, endpoint: endpoint, secretKey: secretKey, configuration: configuration)
        do {
            let result = try await body(store)
            try await store.shutdown()
            return result
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    /// A fresh bucket with a unique name, created through the S3 API.
    public func makeBucket(_ stem: String) async throws -> String {
        let name = "\(stem)-\(UUID().uuidString.prefix(8).lowercased())"
        try await withStore(bucket: name) { try await $0.createBucket() }
        return name
    }

    public static var fastRetries: HTTPObjectStore.Configuration {
        var configuration = HTTPObjectStore.Configuration()
        configuration.retry = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200))
        configuration.requestTimeout = .seconds(20)
        return configuration
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
