import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
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

    @Test func fromAnINIFile() throws {
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
        """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Credentials.fromFile(path: path) == Credentials(accessKeyID: "DEFAULTID", secretAccessKey: "DEFAULTSECRET"))
        #expect(try Credentials.fromFile(path: path, profile: "archive")
            == Credentials(accessKeyID: "ARCHIVEID", secretAccessKey: "ARCHIVE/SECRET+KEY=", sessionToken: "ARCHIVETOKEN"))
        let missing = #expect(throws: ObjectStoreError.self) { try Credentials.fromFile(path: path, profile: "nope") }
        #expect("\(missing!)".contains("[nope]"))
        #expect(throws: ObjectStoreError.self) { try Credentials.fromFile(path: path + ".absent") }
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
    @Test func loadPrefersTheEnvironmentThenTheFileAndSaysWhatIsMissing() throws {
        let target = try ObjectTarget(parsing: "cos://b-1250000000?region=ap-guangzhou")
        let path = try TestFiles.directory() + "/credentials"
        try "[default]\nsecret_id = FILEID\nsecret_key = FILEKEY\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Credentials.load(for: target, file: path, environment: ["COS_SECRET_ID": "E", "COS_SECRET_KEY": "K"])?.accessKeyID == "E")
        #expect(try Credentials.load(for: target, file: path, environment: [:])?.accessKeyID == "FILEID")
        let error = #expect(throws: ObjectStoreError.self) { try Credentials.load(for: target, environment: [:]) }
        #expect("\(error!)".contains("COS_SECRET_ID and COS_SECRET_KEY"))
        #expect(try Credentials.load(for: ObjectTarget(parsing: "file:///tmp/x"), environment: [:]) == nil)
    }

    @Test func targetsMakeTheirStores() throws {
        let logger = Logger(label: "test")
        let file = try ObjectTarget(parsing: "file://" + TestFiles.directory()).makeStore(credentials: nil, logger: logger)
        #expect(file is FileObjectStore)
        let s3 = try ObjectTarget(parsing: "s3://b?region=us-east-1")
        #expect(throws: ObjectStoreError.self) { try s3.makeStore(credentials: nil, logger: logger) }
    }
}
