import Foundation
import Logging
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// A credentials file rewritten while one store is in use, against SeaweedFS: each
/// request signs with what the file holds then, and a file that cannot be used keeps the
/// last good keys, with a warning that names the file and no secret.
@Suite struct CredentialsFileTests {
    static let payload = ObjectPayload(bytes: Data("rotated".utf8))

    @Test func aRewrittenFileSignsTheNextRequest() async throws {
        let server = try await SeaweedFS.running()
        let bucket = try await server.makeBucket("rotate")
        let path = try TestFiles.directory() + "/credentials"
        try Self.write(SeaweedFS.admin.accessKey, SeaweedFS.admin.secretKey, to: path, atomically: true)
        let logs = RecordedLogs()
        let store = try server.store(bucket: bucket, credentials: try CredentialsFile(path: path, logger: logs.logger), logger: logs.logger)
        // Same length as the right secret, written in place: only the file's times tell.
        let wrongSecret = String(SeaweedFS.admin.secretKey.reversed())
        try await store.closing {
            _ = try await store.putObject(key: "1-admin", payload: Self.payload)

            try Self.write(SeaweedFS.admin.accessKey, wrongSecret, to: path, atomically: false)
            let refused = await #expect(throws: ObjectStoreError.self) { try await store.putObject(key: "2-wrong", payload: Self.payload) }
            #expect(refused?.code == .signatureDoesNotMatch)

            // Renamed over it, as most tools rotate files: another identity.
            try Self.write(SeaweedFS.rotated.accessKey, SeaweedFS.rotated.secretKey, to: path, atomically: true)
            _ = try await store.putObject(key: "3-rotated", payload: Self.payload)

            // Half written, then gone: the rotated keys go on signing.
            try "[default]\naws_access_key_id = \(SeaweedFS.admin.accessKey)\n".write(toFile: path, atomically: false, encoding: .utf8)
            _ = try await store.putObject(key: "4-half-written", payload: Self.payload)
            _ = try await store.putObject(key: "5-half-written", payload: Self.payload)
            try FileManager.default.removeItem(atPath: path)
            _ = try await store.putObject(key: "6-gone", payload: Self.payload)
        }

        let keys = try await server.withStore(bucket: bucket) { try await $0.listObjects(prefix: "").map(\.key) }
        #expect(keys == ["1-admin", "3-rotated", "4-half-written", "5-half-written", "6-gone"])
        // The file is written with the default mode, which others can read: that has its
        // own warning, at the start (SecretFilePermissionsTests); these are the rereads'.
        let warnings = logs.texts(atLeast: .warning).filter { !$0.contains("chmod 600") }
        #expect(warnings.count == 2, "one per version of the file: \(warnings)")
        #expect(warnings.first?.contains("no secret_access_key in profile [default] of \(path)") == true, "\(warnings)")
        #expect(warnings.last?.contains("cannot read credentials file \(path)") == true, "\(warnings)")
        for secret in [SeaweedFS.admin.secretKey, SeaweedFS.rotated.secretKey, wrongSecret] {
            #expect(!logs.all.contains(secret))
        }
    }

    static func write(_ id: String, _ secret: String, to path: String, atomically: Bool) throws {
        try "[default]\naws_access_key_id = \(id)\naws_secret_access_key = \(secret)\n".write(toFile: path, atomically: atomically, encoding: .utf8)
    }
}
