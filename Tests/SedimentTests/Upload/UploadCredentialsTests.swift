import Foundation
import SedimentTestSupport
import Testing
@testable import Sediment

/// `--credentials-file` and `--profile`: the profile chosen is the one used, and a
/// missing profile is a clear error that names no secret.
@Suite("Upload credentials file")
struct UploadCredentialsTests {
    /// Empty variables count as unset, so the file is what the CLI must use.
    static let noEnvironment = ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""]

    @Test("the named profile signs the upload; the default profile (a wrong secret) is not used; a missing profile is named")
    func profileFromFile() async throws {
        let (fixture, files, bucket) = try await UploadFixture.filled(
            label: "upload-credentials", windows: 2, perWindow: 10, valueBytes: 200, bucket: "credentials")
        let path = fixture.scratch.file("credentials")
        try Data("""
            [default]
            aws_access_key_id = \(SeaweedFS.accessKey)
            aws_secret_access_key = default-profile-is-wrong

            [profile sediment]
            aws_access_key_id = \(SeaweedFS.accessKey)
            aws_secret_access_key = \(SeaweedFS.secretKey)

            """.utf8).write(to: URL(fileURLWithPath: path))
        let upload = ["upload", "--archive", fixture.path, "--target", fixture.targetURI(bucket: bucket), "--credentials-file", path]

        let missing = try CLIProcess.run(upload + ["--profile", "absent"], scratch: fixture.scratch, environment: Self.noEnvironment)
        // Credentials not given are the command's to fix, not the store's: usage.
        #expect(!missing.signaled && missing.status == ExitStatus.usage, "\(missing.summary)")
        #expect(missing.stderr.contains(path) && missing.stderr.contains("absent"), "\(missing.stderr)")
        #expect(!missing.stderr.contains(SeaweedFS.secretKey) && !missing.stderr.contains("default-profile-is-wrong"))

        _ = try CLIProcess.succeed(upload + ["--profile", "sediment"], scratch: fixture.scratch, environment: Self.noEnvironment)
        try await fixture.expectBucket(bucket, holds: files.map { ($0, UploadFixture.defaultKey($0)) })
        #expect(try fixture.uploadRows().allSatisfy { $0.state == "uploaded" && $0.attempts == 1 })
    }
}
