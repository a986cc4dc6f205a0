import Foundation
import Testing
@testable import Sediment

/// The console at `/`, loaded in headless Chromium (Debian's `chromium`, from `make
/// setup`): the DOM it renders holds every window of the timeline with its state, and a
/// query's rows once the form's URL is loaded. A screenshot goes to the test output folder.
@Suite("serve: the console in a browser")
struct ConsoleBrowserTests {
    /// `chromium --headless` with `arguments`; its stdout. (`make setup` installs Debian's chromium.)
    static func chromium(_ arguments: [String]) throws -> String {
        let headless = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
        return String(decoding: try CompactionFixture.run("chromium", headless + arguments), as: UTF8.self)
    }

    /// Where tests leave files to look at: `$SEDIMENT_TEST_OUTPUT`, or `.build/test-output`.
    static func outputDirectory() throws -> String {
        let directory = ProcessInfo.processInfo.environment["SEDIMENT_TEST_OUTPUT"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../.build/test-output").standardized.path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("every window of three hours is in the rendered timeline with its state (uploaded, failed, local only), and the query form's URL renders its rows")
    func timelineAndQuery() throws {
        let scratch = TemporaryDirectory(label: "console")
        let fixture = CompactionFixture(label: "console")
        var factory = MessageFactory(seed: 0xC0)
        func fill(hours: Range<Int64>, from offset: inout Int64) throws {
            var messages: [Message] = []
            for second in stride(from: hours.lowerBound * 3600, to: hours.upperBound * 3600, by: 20) {
                messages.append(factory.message(partition: 0, offset: offset, timestamp: windowBase + second * 1000))
                offset += 1
            }
            try fixture.append(messages)
        }
        var offset: Int64 = 0
        try fill(hours: 0..<2, from: &offset)
        _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--granularity", "5m", "--close-all"], scratch: scratch)
        // The key of the last window already holds other bytes in the bucket: its upload
        // fails (the uploader starts no more after a failure, so it is the last).
        let bucket = scratch.file("bucket")
        let files = try fixture.files()
        let blocked = try #require(files.last)
        let blockedPath = bucket + "/" + UploadFixture.defaultKey(blocked)
        try FileManager.default.createDirectory(atPath: (blockedPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("not this window".utf8).write(to: URL(fileURLWithPath: blockedPath))
        let upload = try CLIProcess.run(["upload", "--archive", fixture.path, "--target", "file://" + bucket], scratch: scratch)
        #expect(!upload.succeeded && upload.stderr.contains("already holds"), "\(upload.summary)")
        // A third hour written after the upload: local only.
        try fill(hours: 2..<3, from: &offset)
        _ = try CLIProcess.succeed(["compact", "--archive", fixture.path, "--close-all"], scratch: scratch)

        let server = try CLIProcess(["serve", "--archive", fixture.path, "--http", "127.0.0.1:0"], scratch: scratch)
        defer {
            server.terminate()
            _ = try? server.wait(timeout: .seconds(10))
        }
        let url = try server.servingAddress()

        let dom = try Self.chromium(["--dump-dom", url + "/?hours=6"])
        var rendered: [Int64: String] = [:]
        for match in dom.matches(of: /<rect class="window [a-z-]+" data-window-start="(\d+)" data-state="([a-z-]+)"/) {
            rendered[Int64(match.1)!] = String(match.2)
        }
        let all = try fixture.files()
        #expect(all.count == 36)
        var expected: [Int64: String] = [:]
        for file in all {
            expected[file.windowStart] = file.windowStart == blocked.windowStart ? "failed" : file.windowStart < windowBase + 7_200_000 ? "uploaded" : "local"
        }
        #expect(rendered == expected, "\(rendered.count) windows rendered: \(rendered.sorted { $0.key < $1.key }.prefix(5))")
        #expect(dom.contains("already holds"), "the failed upload's error is listed")

        let from = windowBase + 3_600_000
        let queryURL = url + "/?topic=orders&from=\(from)&to=\(from + 600_000)&limit=20#query"
        let page = try Self.chromium(["--dump-dom", queryURL])
        let rows = page.matches(of: /<tr class="message"><td>(\d+)<\/td><td>(\d+)<\/td>/).map { (Int32($0.1)!, Int64($0.2)!) }
        let held = try fixture.query(from..<(from + 600_000)).prefix(20).map { ($0.partition, $0.offset) }
        #expect(rows.count == 20 && rows.elementsEqual(held, by: ==), "\(rows)")
        #expect(page.contains("20 messages of local/orders"))

        let screenshot = try Self.outputDirectory() + "/console.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        _ = try Self.chromium(["--window-size=1280,800", "--screenshot=\(screenshot)", url + "/?hours=6&topic=orders&from=\(from)&to=\(from + 600_000)&limit=8"])
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }
}
