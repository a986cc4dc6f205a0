import Foundation
import SedimentObjectStore
import SedimentTestSupport
import Testing

/// A credentials file others can read gets a warning naming it, its mode and the fix; a
/// private one does not.
@Suite("secret files' permissions")
struct SecretFilePermissionsTests {
    @Test("a credentials file with mode 644 is warned about (without its content); one with 600 is not")
    func credentialsFileMode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("credentials").path
        try Data("[default]\naccess_key_id = AKIDPERM\nsecret_access_key = perm-secret-never-print\n".utf8).write(to: URL(fileURLWithPath: path))

        chmod(path, 0o644)
        let open = RecordedLogs()
        _ = try CredentialsFile(path: path, profile: "default", logger: open.logger)
        let warnings = open.texts(atLeast: .warning)
        #expect(warnings.count == 1 && warnings[0].contains("\(path) holds credentials") && warnings[0].contains("mode 644")
            && warnings[0].contains("chmod 600"), "\(warnings)")
        #expect(!open.all.contains("perm-secret-never-print"))

        chmod(path, 0o600)
        let closed = RecordedLogs()
        _ = try CredentialsFile(path: path, profile: "default", logger: closed.logger)
        #expect(closed.texts(atLeast: .warning).isEmpty)
    }
}
