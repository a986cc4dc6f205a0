import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Synchronization
import Testing

@Suite struct CredentialsTests {
    @Test func cosFromEnvironmentWithFallbacksAndToken() throws {
        let cos = try #require(try Credentials.fromEnvironment(
            for: .cos, environment: ["COS_SECRET_ID": "id1", "COS_SECRET_KEY": "key1", "TENCENTCLOUD_SESSION_TOKEN": "tok"]))
        #expect(cos == Credentials(accessKeyID: "id1", secretAccessKey: "key1", sessionToken: "tok"))
        let tencent = try #require(try Credentials.fromEnvironment(
            for: .cos, environment: ["TENCENTCLOUD_SECRET_ID": "id2", "TENCENTCLOUD_SECRET_KEY": "key2"]))
        #expect(tencent == Credentials(accessKeyID: "id2", secretAccessKey: "key2"))
        #expect(try Credentials.fromEnvironment(for: .cos, environment: ["AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"]) == nil)
    }

    /// What Tencent Cloud's function runtime sets (no underscore inside), below what a user sets.
    @Test func cosFromTheFunctionRuntimesVariables() throws {
        let runtime = ["TENCENTCLOUD_SECRETID": "scf-id", "TENCENTCLOUD_SECRETKEY": "scf-key", "TENCENTCLOUD_SESSIONTOKEN": "scf-token"]
        #expect(try Credentials.fromEnvironment(for: .cos, environment: runtime)
            == Credentials(accessKeyID: "scf-id", secretAccessKey: "scf-key", sessionToken: "scf-token"))
        let both = runtime.merging(["TENCENTCLOUD_SECRET_ID": "user-id", "TENCENTCLOUD_SECRET_KEY": "user-key"]) { $1 }
        #expect(try Credentials.fromEnvironment(for: .cos, environment: both) == Credentials(accessKeyID: "user-id", secretAccessKey: "user-key"))
        #expect(try Credentials.fromEnvironment(for: .s3, environment: runtime) == nil)
        let half = #expect(throws: ObjectStoreError.self) {
            try Credentials.fromEnvironment(for: .cos, environment: ["TENCENTCLOUD_SECRETID": "scf-id"])
        }
        #expect("\(half!)".contains("TENCENTCLOUD_SECRETKEY"))
    }

    /// SCF replaces the keys of an instance that keeps running: each request reads them
    /// again, and variables that vanish keep the last ones, with one warning.
    @Test func environmentCredentialsAreReadAgainForEveryRequest() async throws {
        let variables = Variables(["TENCENTCLOUD_SECRETID": "id-1", "TENCENTCLOUD_SECRETKEY": "key-1-secret", "TENCENTCLOUD_SESSIONTOKEN": "token-1"])
        let logs = RecordedLogs()
        let provider = try #require(try EnvironmentCredentials(flavor: .cos, environment: variables.read, logger: logs.logger))
        #expect(provider.credentials() == Credentials(accessKeyID: "id-1", secretAccessKey: "key-1-secret", sessionToken: "token-1"))
        variables.set(["TENCENTCLOUD_SECRETID": "id-2", "TENCENTCLOUD_SECRETKEY": "key-2-secret", "TENCENTCLOUD_SESSIONTOKEN": "token-2"])
        #expect(provider.credentials() == Credentials(accessKeyID: "id-2", secretAccessKey: "key-2-secret", sessionToken: "token-2"))
        variables.set(["TENCENTCLOUD_SECRETID": "id-3"])
        #expect(provider.credentials().accessKeyID == "id-2")
        #expect(provider.credentials().accessKeyID == "id-2")
        let warnings = logs.texts(atLeast: .warning)
        #expect(warnings.count == 1 && warnings[0].contains("TENCENTCLOUD_SECRETKEY"), "\(warnings)")
        #expect(!logs.all.contains("key-2-secret") && !logs.all.contains("token-2"))
        #expect(try EnvironmentCredentials(flavor: .cos, environment: { [:] }, logger: logs.logger) == nil)
    }

    @Test func s3FromEnvironment() throws {
        let aws = try #require(try Credentials.fromEnvironment(
            for: .s3, environment: ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "T"]))
        #expect(aws == Credentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "T"))
    }

    @Test func halfAPairIsAnErrorThatNamesTheVariableNotTheValue() {
        let error = #expect(throws: ObjectStoreError.self) {
            try Credentials.fromEnvironment(for: .s3, environment: ["AWS_SECRET_ACCESS_KEY": "s3cr3t-value"])
        }
        #expect(error?.code == .missingCredentials)
        #expect("\(error!)".contains("AWS_ACCESS_KEY_ID"))
        #expect(!"\(error!)".contains("s3cr3t-value"))
    }

    @Test func fromAnINIFile() async throws {
        let path = try TestFiles.directory() + "/credentials"
        try """
        # comment
        [default]
        aws_access_key_id = DEFAULTID
        aws_secret_access_key = DEFAULTSECRET

        [profile archive]
        access_key_id=ARCHIVEID
        secret_access_key = ARCHIVE/SECRET+KEY=
        session_token = ARCHIVETOKEN

        [empty]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let logger = Logger(label: "test")
        #expect(try await CredentialsFile(path: path, logger: logger).credentials()
            == Credentials(accessKeyID: "DEFAULTID", secretAccessKey: "DEFAULTSECRET"))
        #expect(try await CredentialsFile(path: path, profile: "archive", logger: logger).credentials()
            == Credentials(accessKeyID: "ARCHIVEID", secretAccessKey: "ARCHIVE/SECRET+KEY=", sessionToken: "ARCHIVETOKEN"))
        let missing = #expect(throws: ObjectStoreError.self) { try CredentialsFile(path: path, profile: "nope", logger: logger) }
        #expect(missing?.message == "no profile [nope] in \(path)")
        let empty = #expect(throws: ObjectStoreError.self) { try CredentialsFile(path: path, profile: "empty", logger: logger) }
        #expect(empty?.message == "no access_key_id or credential_process in profile [empty] of \(path)")
        #expect(throws: ObjectStoreError.self) { try CredentialsFile(path: path + ".absent", logger: logger) }
    }

    @Test func secretsAreRedactedEverywhere() {
        let credentials = Credentials(accessKeyID: "AKVISIBLE", secretAccessKey: "SECRET-VALUE-123", sessionToken: "TOKEN-VALUE-456")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [String(describing: credentials), String(reflecting: credentials), "\(credentials)", dumped, "\([credentials])"] {
            #expect(text.contains("AKVISIBLE"))
            #expect(!text.contains("SECRET-VALUE-123"), "\(text)")
            #expect(!text.contains("TOKEN-VALUE-456"), "\(text)")
        }
    }

    @Test func aRejectedRequestNeverShowsTheSecret() async throws {
        let server = try await SeaweedFS.running()
        let secret = "wrong-but-secret-XYZ"
        try await server.withStore(bucket: "any-bucket", secretKey: secret) { store async throws in
            let error = await #expect(throws: ObjectStoreError.self) { try await store.listObjects(prefix: "") }
            #expect(error?.code == .signatureDoesNotMatch)
            let text = [String(describing: error), String(reflecting: error), error?.serverMessage ?? ""].joined()
            #expect(!text.contains(secret))
            #expect(!text.contains("Signature="), "no signature is copied into errors")
        }
    }
}

extension CredentialsTests {
    @Test func theEnvironmentComesFirstThenTheFileAndWhatIsMissingIsNamed() async throws {
        let target = try ObjectTarget(parsing: "cos://b-1250000000?region=ap-guangzhou")
        let path = try TestFiles.directory() + "/credentials"
        try "[default]\nsecret_id = FILEID\nsecret_key = FILEKEY\n".write(toFile: path, atomically: true, encoding: .utf8)
        let logger = Logger(label: "test")
        let fromEnvironment = try #require(try Credentials.provider(
            for: target, file: path, environment: { ["COS_SECRET_ID": "E", "COS_SECRET_KEY": "K"] }, logger: logger))
        #expect(try await fromEnvironment.credentials().accessKeyID == "E")
        let fromFile = try #require(try Credentials.provider(for: target, file: path, environment: { [:] }, logger: logger))
        #expect(try await fromFile.credentials().accessKeyID == "FILEID")
        let error = #expect(throws: ObjectStoreError.self) { try Credentials.provider(for: target, environment: { [:] }, logger: logger) }
        #expect("\(error!)".contains("COS_SECRET_ID and COS_SECRET_KEY, or TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY"), "\(error!)")
        #expect(try Credentials.provider(for: ObjectTarget(parsing: "file:///tmp/x"), environment: { [:] }, logger: logger) == nil)
    }

    @Test func targetsMakeTheirStores() throws {
        let logger = Logger(label: "test")
        let file = try ObjectTarget(parsing: "file://" + TestFiles.directory()).makeStore(credentials: nil, logger: logger)
        #expect(file is FileObjectStore)
        let s3 = try ObjectTarget(parsing: "s3://b?region=us-east-1")
        #expect(throws: ObjectStoreError.self) { try s3.makeStore(credentials: nil, logger: logger) }
    }
}

/// Environment variables a test changes while a provider reads them.
final class Variables: Sendable {
    private let values: Mutex<[String: String]>

    init(_ values: [String: String]) { self.values = Mutex(values) }

    func set(_ new: [String: String]) { values.withLock { $0 = new } }

    @Sendable func read() -> [String: String] { values.withLock { $0 } }
}
