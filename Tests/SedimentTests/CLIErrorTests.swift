import Foundation
import Testing

/// Bad input on the command line: one clear line on stderr, the exit code of its class,
/// and nothing changed.
@Suite("CLI errors")
struct CLIErrorTests {
    let scratch = TemporaryDirectory(label: "cli-errors")

    func fails(
        _ arguments: [String], exit status: Int32, saying expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try CLIProcess.run(arguments, scratch: scratch)
        #expect(!result.signaled && result.status == status, "\(arguments): \(result.summary)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("sediment: error: "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(expected), "expected '\(expected)' in: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("the library names its settings (`brokers`); the CLI says which of its flags they are")
    func settingsNamedAsFlags() throws {
        try fails(["dump", "--brokers", "", "--topic", "t", "--archive", scratch.file("none")], exit: ExitStatus.usage, saying: "--brokers is empty")
        try fails(
            ["dump", "--brokers", "127.0.0.1:1", "--topic", "t", "--archive", scratch.file("none"), "--group", "g", "--start", "offset:5"],
            exit: ExitStatus.usage, saying: "--start offset:5 cannot be used with --group")
        let dump = ["dump", "--brokers", "127.0.0.1:1", "--topic", "t", "--archive", scratch.file("none")]
        try fails(dump + ["--close-all"], exit: ExitStatus.usage, saying: "--close-all needs --until-caught-up: a dump that runs until stopped")
        try fails(
            dump + ["--until-caught-up", "--close-all", "--no-compact"], exit: ExitStatus.usage,
            saying: "--close-all closes the windows dump writes: it cannot go with --no-compact")
        try fails(["ingest", "--archive", scratch.file("none"), "--input-format", "lines", "--input", "/dev/null"],
                  exit: ExitStatus.usage, saying: "--topic is required with --input-format lines")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("none")))
    }

    func makeArchive() throws -> String {
        let archive = scratch.file("archive")
        let input = scratch.file("input.txt")
        FileManager.default.createFile(atPath: input, contents: Data("one\ntwo\n".utf8))
        _ = try CLIProcess.succeed(["ingest", "--archive", archive, "--topic", "t", "--input-format", "lines", "--input", input], scratch: scratch)
        return archive
    }

    func snapshot(_ path: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in FileManager.default.enumerator(atPath: path)?.compactMap({ $0 as? String }) ?? [] {
            // The reader's shared-memory file for the WAL is SQLite's, not the archive's data.
            if name.hasSuffix("-shm") { continue }
            guard let data = FileManager.default.contents(atPath: path + "/" + name) else { continue }
            // An empty WAL holds nothing: SQLite creates one when a reader opens the index.
            if name.hasSuffix("-wal") && data.isEmpty { continue }
            files[name] = data
        }
        return files
    }

    @Test("--from after --to, and times that cannot be read, leave the archive as it was")
    func badTimes() throws {
        let archive = try makeArchive()
        let before = try snapshot(archive)
        try fails(["query", "--archive", archive, "--topic", "t", "--from", "2026-01-02T00:00:00Z", "--to", "2026-01-01T00:00:00Z"], exit: ExitStatus.usage, saying: "is after --to")
        try fails(["query", "--archive", archive, "--topic", "t", "--from", "yesterday"], exit: ExitStatus.usage, saying: "cannot read 'yesterday' as a time")
        try fails(["query", "--archive", archive, "--topic", "t", "--from", "2026-13-01T00:00:00Z"], exit: ExitStatus.usage, saying: "out of range")
        try fails(["query", "--archive", archive, "--topic", "t", "--from", "2026-01-01T10:00:00"], exit: ExitStatus.usage, saying: "no zone")
        try fails(["query", "--archive", archive, "--topic", "t", "--from", "-3x"], exit: ExitStatus.usage, saying: "unknown unit 'x'")
        #expect(try snapshot(archive) == before)
    }

    @Test("bad window settings, sizes, targets and key templates are refused before compact or upload changes anything")
    func badCompactionAndUploadOptions() throws {
        let archive = try makeArchive()
        let before = try snapshot(archive)
        try fails(["compact", "--archive", archive, "--granularity", "90s"], exit: ExitStatus.usage, saying: "granularity must be a whole number of minutes")
        try fails(["compact", "--archive", archive, "--compression-level", "11"], exit: ExitStatus.usage, saying: "compression level must be 1 to 9, not 11")
        try fails(["compact", "--archive", archive, "--max-file-size", "lots"], exit: ExitStatus.usage, saying: "cannot read --max-file-size 'lots' as a size")
        try fails(["compact", "--archive", archive, "--max-file-size", "1KB"], exit: ExitStatus.usage, saying: "max file size must be at least 64 KiB")
        try fails(["compact", "--archive", archive, "--topic", "nope"], exit: ExitStatus.data, saying: "topic 'nope' is not in the archive")
        try fails(["compact", "--archive", archive, "--target", "ftp://bucket"], exit: ExitStatus.usage, saying: "ftp://bucket")
        try fails(["upload", "--archive", archive, "--target", "file://" + scratch.file("bucket"), "--key-template", "{topic}/{day}"], exit: ExitStatus.usage, saying: "unknown token {day}")
        try fails(["upload", "--archive", archive, "--target", "file://" + scratch.file("bucket"), "--key-template", "{instance}/{topic}"], exit: ExitStatus.usage, saying: "it lacks {timestamp}")
        try fails(["reupload", "--archive", archive, "--topic", "t", "--from", "now", "--to", "-1h", "--target", "file:///tmp"], exit: ExitStatus.usage, saying: "is after --to")
        try fails(["reupload", "--archive", archive, "--topic", "nope", "--from", "0", "--target", "file://" + scratch.file("bucket")],
                  exit: ExitStatus.data, saying: "topic 'nope' is not in the archive")
        let after = try snapshot(archive)
        #expect(after == before, "changed: \(Set(after.keys).symmetricDifference(before.keys).union(after.keys.filter { after[$0] != before[$0] }).sorted())")
    }

    @Test("a missing archive is an error for readers, and is not created")
    func missingArchive() throws {
        let missing = scratch.file("nowhere")
        try fails(["status", "--archive", missing], exit: ExitStatus.data, saying: "no archive at \(missing)")
        try fails(["query", "--archive", missing, "--topic", "t", "--from", "0"], exit: ExitStatus.data, saying: "no archive at")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test("a directory that is not a Sediment archive is refused by readers and writers, untouched")
    func notAnArchive() throws {
        let other = scratch.file("photos")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: other + "/cat.jpg", contents: Data([1, 2, 3]))
        try fails(["status", "--archive", other], exit: ExitStatus.data, saying: "not a Sediment archive")
        try fails(["ingest", "--archive", other, "--topic", "t", "--input-format", "lines"], exit: ExitStatus.data, saying: "not a Sediment archive")
        let fake = scratch.file("fake")
        try FileManager.default.createDirectory(atPath: fake, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: fake + "/sediment.sqlite", contents: Data("hello, not sqlite".utf8))
        try fails(["query", "--archive", fake, "--topic", "t", "--from", "0"], exit: ExitStatus.data, saying: "not a Sediment index")
        #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["cat.jpg"])
        #expect(FileManager.default.contents(atPath: fake + "/sediment.sqlite") == Data("hello, not sqlite".utf8))
    }

    @Test("instance and topic names that could escape the archive are refused before anything is written")
    func escapingNames() throws {
        let archive = try makeArchive()
        let before = try snapshot(archive)
        let input = scratch.file("more.txt")
        FileManager.default.createFile(atPath: input, contents: Data("x\n".utf8))
        for (option, name) in [("--topic", "../evil"), ("--topic", ".."), ("--instance", "a/b"), ("--topic", "nul\u{1}")] {
            var arguments = ["ingest", "--archive", archive, "--input-format", "lines", "--input", input]
            arguments += option == "--topic" ? ["--topic", name] : ["--topic", "t", "--instance", name]
            try fails(arguments, exit: ExitStatus.usage, saying: "invalid")
        }
        #expect(try snapshot(archive) == before)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("evil")))
    }

    @Test("a malformed input line names the file, the line and the reason")
    func malformedLine() throws {
        let archive = scratch.file("bad-input")
        let input = scratch.file("bad.jsonl")
        let good = #"{"topic":"t","partition":0,"offset":0,"ts":1,"key":null,"payload":"a"}"#
        FileManager.default.createFile(atPath: input, contents: Data((good + "\n" + #"{"topic":"t","offset":1,"ts":"soon"}"# + "\n").utf8))
        try fails(["ingest", "--archive", archive, "--input-format", "jsonl", "--input", input], exit: ExitStatus.data, saying: "\(input):2:")
        let status = try CLIProcess.succeed(["status", "--archive", archive, "--json"], scratch: scratch)
        #expect(String(decoding: status, as: UTF8.self).contains("\"partitions\" : [\n\n  ]"))
        let skipped = try CLIProcess.succeed(["ingest", "--archive", archive, "--input-format", "jsonl", "--input", input, "--skip-invalid"], scratch: scratch)
        #expect(String(decoding: skipped, as: UTF8.self).contains("stored 1 messages") && String(decoding: skipped, as: UTF8.self).contains("1 invalid lines skipped"))
    }
}
