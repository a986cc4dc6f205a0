import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One PostgreSQL server for the whole test run, started on first use from Debian's
/// `postgresql` package (`/usr/lib/postgresql/<version>/bin`).
///
/// The tests run as root, which `initdb` and `postgres` refuse: the cluster belongs to the
/// `postgres` user the package creates, and is run through `runuser`. Its data and its
/// Unix socket are in a temporary directory owned by that user; it listens on no TCP port
/// (nothing to collide with), trusts every local connection, and skips fsync. As with
/// `SeaweedFS`, a small `sh` holds the read end of a pipe only this process writes to:
/// when the test process exits, however it exits, the server is stopped and its directory
/// removed. A server that cannot start fails the tests that need it, with its log.
public final class PostgreSQLServer: Sendable {
    public let directory: String
    public let socketDirectory: String
    private let lifeline: FileHandle

    public static let shared = Task<PostgreSQLServer, any Error> { try PostgreSQLServer.start() }

    /// The running server, starting it if this is the first call.
    public static func running() async throws -> PostgreSQLServer {
        try await shared.value
    }

    /// libpq's variables for the server: what a hook (or `psql`) needs to connect.
    public var environment: [String: String] {
        ["PGHOST": socketDirectory, "PGPORT": "5432", "PGUSER": "postgres", "PGDATABASE": "postgres"]
    }

    private init(directory: String, lifeline: FileHandle) {
        self.directory = directory
        socketDirectory = directory + "/socket"
        self.lifeline = lifeline
    }

    public static func start() throws -> PostgreSQLServer {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted()
        guard let version = versions.last(where: { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }) else {
            throw TestFailure("PostgreSQL is required: no /usr/lib/postgresql/<version>/bin/initdb (install Debian's postgresql package, as scripts/setup does)")
        }
        let binaries = "/usr/lib/postgresql/\(version)/bin"
        guard let user = getpwnam("postgres") else {
            throw TestFailure("PostgreSQL is required: there is no `postgres` user (Debian's postgresql package creates it)")
        }
        let directory = "/tmp/sediment-pg-\(getpid())-\(UUID().uuidString.prefix(6))"
        for path in [directory, directory + "/socket"] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0, chmod(path, 0o755) == 0 else {
                throw TestFailure("cannot hand \(path) to the postgres user: \(String(cString: strerror(errno)))")
            }
        }
        try asPostgres(binaries + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], in: directory)

        // The server runs under a shell that stops it and removes its directory once this
        // process's end of the pipe closes. (Not through `pg_ctl start`: the server it leaves
        // running keeps a descriptor of Foundation's, which then never sees pg_ctl exit.)
        let script = #"""
            runuser -u postgres -- "$BIN/postgres" -D "$DIR/data" -k "$DIR/socket" -c listen_addresses= -c fsync=off \
                > "$DIR/server.log" 2>&1 < /dev/null &
            read _; runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop > /dev/null 2>&1; rm -rf "$DIR"
            """#
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", script]
        watchdog.environment = ProcessInfo.processInfo.environment.merging(["BIN": binaries, "DIR": directory]) { $1 }
        let pipe = Pipe()
        watchdog.standardInput = pipe
        try watchdog.run()
        let server = PostgreSQLServer(directory: directory, lifeline: pipe.fileHandleForWriting)
        let deadline = ContinuousClock.now + .seconds(60)
        var lastError = ""
        while ContinuousClock.now < deadline {
            do {
                _ = try server.query("SELECT 1")
                return server
            } catch {
                lastError = "\(error)"
                usleep(100_000)
            }
        }
        let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "(no log)"
        throw TestFailure("the PostgreSQL server did not start in 60 s: \(lastError); its log:\n\(log)")
    }

    /// Runs `sql` with psql (unaligned, tuples only) and returns what it printed; an error
    /// throws with psql's stderr.
    public func query(_ sql: String) throws -> String {
        let result = try Self.run("/usr/bin/psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], environment: environment, in: directory)
        guard result.status == 0 else { throw TestFailure("psql -c \(sql): exit \(result.status): \(result.stderr)") }
        return result.stdout
    }

    /// `runuser -u postgres -- executable arguments...`, which must succeed.
    private static func asPostgres(_ executable: String, _ arguments: [String], in directory: String) throws {
        let result = try run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments, environment: [:], in: directory)
        guard result.status == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")): exit \(result.status): \(result.stdout) \(result.stderr)")
        }
    }

    /// Runs a program to its end; its output goes through files, so that a long one never
    /// fills a pipe nobody reads.
    private static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], in directory: String
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let id = UUID().uuidString
        let (out, err) = (FileManager.default.temporaryDirectory.path + "/pg-out-\(id)", FileManager.default.temporaryDirectory.path + "/pg-err-\(id)")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        // Polled: waitUntilExit, which runs the calling thread's run loop, hangs when called
        // from a task (seen here with pg_ctl, whose server keeps running in the background).
        while process.isRunning { usleep(5_000) }
        let text = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return (process.terminationStatus, text(out), text(err))
    }
}
