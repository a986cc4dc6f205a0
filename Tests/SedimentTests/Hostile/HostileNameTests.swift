import Foundation
import PropertyBased
import Testing

@testable import Sediment

/// Instance, topic and worker names become directories of the archive and parts of
/// object keys. Topics come from Kafka, from `ingest`'s input lines and options, and from
/// config files; none of them may escape the archive directory or the key prefix.
@Suite("Hostile names")
struct HostileNameTests {
    /// Names that must be refused, and the words of the reason.
    static let refused: [(String, String)] = [
        ("..", "'..'"), (".", "'.'"), ("../escape", "path separator"), ("a/b", "path separator"), ("a\\b", "path separator"),
        ("tab\there", "control"), ("nul\u{0}x", "control"), ("del\u{7F}", "control"), ("c1\u{85}", "control"),
        ("\u{202E}gpj.exe", "invisible formatting"), ("zero\u{200D}width", "invisible formatting"), ("\u{FEFF}bom", "invisible formatting"),
        ("line\u{2028}sep", "control"), (String(repeating: "a", count: 250), "longer than 249 bytes"), ("", "empty"),
        (String(repeating: "é", count: 125), "longer than 249 bytes"), ("e\u{301}t\u{E9}", "normalization form C; write it precomposed, as '\u{E9}t\u{E9}'"),
        ("\u{301}a", "starts with a combining mark (U+0301)"),
    ]

    /// Names that are kept, each as its own name: precomposed and combining characters
    /// (a mark with no precomposed form stays one), right-to-left script, dots that are
    /// not a whole component, the longest name Kafka allows.
    static let kept = ["\u{E9}t\u{E9}", "q\u{301}", "עברית", "..a", "a..", "-", String(repeating: "é", count: 124) + "a"]

    @Test("validation refuses each hostile name naming it, escaped, and why; the names kept become one directory and one key part each")
    func validation() throws {
        for (name, reason) in Self.refused {
            for kind in ["instance", "topic", "worker"] {
                let error = try #require(throws: SedimentError.self) { try ArchiveName.validate(name, as: kind) }
                #expect(error.code == .invalidName && error.context == [kind: name])
                #expect(error.message.hasPrefix("invalid \(kind) name '") && error.message.contains(reason), "\(error.message)")
                #expect(!error.message.unicodeScalars.contains { ArchiveName.isHidden($0) }, "the message shows \(String(reflecting: error.message)) raw")
            }
        }
        for name in Self.kept {
            try ArchiveName.validate(name, as: "topic")
        }
    }

    /// Names of every sort, most of them not Kafka's: what a path or a key is made of.
    static let names = FuzzInput.text(seeds: ["orders", "local", "a.b_c-9"] + kept, tokens: ["..", ".", "/", "\\", "\u{0}", "\u{202E}", "\u{301}", "%2F", "~", " "], maxLength: 300)

    @Test("a name validation keeps is one path component of the archive and one run of an object key")
    func pathsAndKeys() async {
        await Fuzz.run("names", count: 5000, input: zip(Self.names, Self.names)) { instance, topic in
            do {
                try ArchiveName.validate(instance, as: "instance")
                try ArchiveName.validate(topic, as: "topic")
            } catch let error as SedimentError {
                try Fuzz.require(error.code == .invalidName && !error.message.unicodeScalars.contains { ArchiveName.isHidden($0) }, "\(error)")
                return .rejected
            }
            let layout = ArchiveLayout(root: "/archive")
            let directory = layout.partitionDirectory(instance: instance, topic: topic, partition: 3)
            let components = URL(fileURLWithPath: directory).standardized.pathComponents
            try Fuzz.require(components == ["/", "archive", "segments", instance, topic, "3"], "\(directory) is \(components)")
            let window = ArchiveLayout.windowFilePath(instance: instance, topic: topic, windowStart: 1_795_600_800_000, part: 2, format: .jsonl, compression: .gzip)
            let windowComponents = URL(fileURLWithPath: "/archive/" + window).standardized.pathComponents
            try Fuzz.require(windowComponents.prefix(5) == ["/", "archive", "windows", instance, topic] && windowComponents.count == 7, "\(window)")
            var file = KeyTemplateTests.file(start: 1_795_600_800_000)
            file.instance = instance
            file.topic = topic
            let key = try KeyTemplate("{instance}/{worker}/{topic}/{date}/{timestamp}").key(for: file, partitions: [3], worker: topic)
            // Split as the file system and a store split keys: by the byte '/'.
            let parts = key.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Array($0) }
            try Fuzz.require(parts.prefix(3) == [Array(instance.utf8), Array(topic.utf8), Array(topic.utf8)], "key \(key)")
            return .accepted
        }
    }

    let scratch = TemporaryDirectory(label: "hostile-names")

    /// Every file and directory under `root`, relative to it.
    func tree(_ root: String) -> Set<String> {
        Set(FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
    }

    func kcatLine(topic: String, offset: Int) -> String {
        var escaped = ""
        for scalar in topic.unicodeScalars {
            switch scalar {
            case "\"", "\\": escaped += "\\" + String(scalar)
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return #"{"topic":"\#(escaped)","partition":0,"offset":\#(offset),"tstype":"create","ts":\#(1_795_600_800_000 + offset),"key":null,"payload":"v\#(offset)"}"#
    }

    @Test("ingest refuses a hostile topic from --topic, --instance or an input line with a clear error, and writes nothing outside the archive")
    func ingestRefuses() throws {
        let input = scratch.file("input.txt")
        FileManager.default.createFile(atPath: input, contents: Data("one\n".utf8))
        for (name, reason) in Self.refused where !name.contains("\u{0}") {
            for option in ["--topic", "--instance"] {
                let archive = scratch.file("refused")
                var arguments = ["ingest", "--archive", archive, "--input-format", "lines", "--input", input, option, name]
                if option == "--instance" { arguments += ["--topic", "t"] }
                let result = try CLIProcess.run(arguments, scratch: scratch)
                #expect(result.status == ExitStatus.usage && !result.signaled, "\(option) \(String(reflecting: name)): \(result.summary)")
                let kind = option.dropFirst(2)
                #expect(result.stderr.hasPrefix("sediment: error: invalid \(kind) name '") && result.stderr.contains(reason), "\(String(reflecting: name)): \(result.stderr)")
                #expect(!result.stderr.unicodeScalars.dropLast().contains { ArchiveName.isHidden($0) && $0 != "\n" }, "raw in \(String(reflecting: result.stderr))")
                #expect(!FileManager.default.fileExists(atPath: archive), "\(String(reflecting: name)): the archive was made")
            }
        }
        // From the data: a kcat line naming a topic that would escape, NUL included.
        for (name, reason) in Self.refused {
            let lines = scratch.file("lines.json")
            FileManager.default.createFile(atPath: lines, contents: Data((kcatLine(topic: "fine", offset: 0) + "\n" + kcatLine(topic: name, offset: 1) + "\n").utf8))
            let archive = scratch.file("from-data")
            let result = try CLIProcess.run(["ingest", "--archive", archive, "--input", lines], scratch: scratch)
            #expect(!result.succeeded && !result.signaled, "\(String(reflecting: name)): \(result.summary)")
            #expect(result.stderr.contains("invalid topic name '") && result.stderr.contains(reason), "\(String(reflecting: name)): \(result.stderr)")
            #expect(tree(archive).allSatisfy { !$0.contains("escape") && !$0.contains("..") }, "\(tree(archive))")
            try? FileManager.default.removeItem(atPath: archive)
        }
        #expect(Set(tree(scratch.path).filter { !$0.hasPrefix("stdout-") && !$0.hasPrefix("stderr-") }) == ["input.txt", "lines.json"])
    }

    @Test("names kept (precomposed, combining, right-to-left, 249 bytes) stay inside the archive, upload under the prefix, and read back apart")
    func keptNamesStayInside() throws {
        let lines = Self.kept.enumerated().map { index, topic in kcatLine(topic: topic, offset: index) }
        let input = scratch.file("kept.json")
        FileManager.default.createFile(atPath: input, contents: Data(lines.joined(separator: "\n").utf8))
        let archive = scratch.file("archive")
        let bucket = scratch.file("bucket")
        try FileManager.default.createDirectory(atPath: bucket, withIntermediateDirectories: true)
        _ = try CLIProcess.succeed(["ingest", "--archive", archive, "--input", input, "--instance", "\u{E9}\u{301}"], scratch: scratch)
        _ = try CLIProcess.succeed(["compact", "--archive", archive, "--close-all", "--keep-segments", "--target", "file://\(bucket)/pre/fix"], scratch: scratch)

        // Every directory a name made is one level under its parent, and nothing else is.
        let segments = tree(archive + "/segments").filter { !$0.contains("/") }
        // Compared as bytes: Swift's == takes canonically equivalent spellings as equal.
        #expect(segments.map { Array($0.utf8) } == [Array("\u{E9}\u{301}".utf8)])
        let topics = tree(archive + "/segments/\u{E9}\u{301}").filter { !$0.contains("/") }
        #expect(Set(topics.map { Array($0.utf8) }) == Set(Self.kept.map { Array($0.utf8) }), "\(topics)")
        #expect(Set(tree(scratch.path).filter { !$0.contains("/") && !$0.hasPrefix("stdout-") && !$0.hasPrefix("stderr-") }) == ["kept.json", "archive", "bucket"])
        // Window objects and manifests, and the file store's metadata beside them.
        let objects = tree(bucket).filter { !FileManager.default.isDirectory(bucket + "/" + $0) }
        #expect(objects.filter { !$0.hasPrefix("pre/fix/.sediment-meta/") }.count == 2 * Self.kept.count, "\(objects.sorted())")
        for object in objects {
            #expect(object.utf8.starts(with: "pre/fix/\u{E9}\u{301}/".utf8) || object.utf8.starts(with: "pre/fix/.sediment-meta/\u{E9}\u{301}/".utf8), "\(object)")
            #expect(!object.split(separator: "/").contains { $0 == ".." || $0 == "." }, "\(object)")
        }
        // NFC and NFD spellings are two topics, each with its own message.
        for (index, topic) in Self.kept.enumerated() {
            let output = try CLIProcess.succeed(["query", "--archive", archive, "--topic", topic, "--from", "0", "--format", "jsonl"], scratch: scratch)
            let decoded = try String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
                try Array(line.utf8).withUnsafeBytes { try JSONLineDecoder.decode($0) }
            }
            #expect(decoded.map(\.message.offset) == [Int64(index)] && decoded.allSatisfy { $0.topic.map { Array($0.utf8) } == Array(topic.utf8) }, "\(String(reflecting: topic)): \(decoded)")
        }
    }

    @Test("compact and query refuse a hostile --instance or --topic with a clear error, changing nothing")
    func readersRefuse() throws {
        let archive = scratch.file("archive")
        let input = scratch.file("input.txt")
        FileManager.default.createFile(atPath: input, contents: Data("one\n".utf8))
        _ = try CLIProcess.succeed(["ingest", "--archive", archive, "--topic", "t", "--input-format", "lines", "--input", input], scratch: scratch)
        let before = tree(archive)
        for (name, reason) in Self.refused where !name.contains("\u{0}") && !name.isEmpty {
            for arguments in [["compact", "--archive", archive, "--close-all", "--instance", name], ["compact", "--archive", archive, "--close-all", "--topic", name]] {
                let result = try CLIProcess.run(arguments, scratch: scratch)
                #expect(result.status == ExitStatus.usage && !result.signaled, "\(arguments): \(result.summary)")
                #expect(result.stderr.contains("name '") && result.stderr.contains(reason), "\(String(reflecting: name)): \(result.stderr)")
            }
            let query = try CLIProcess.run(["query", "--archive", archive, "--instance", name, "--topic", "t"], scratch: scratch)
            #expect(!query.succeeded && !query.signaled && query.stdout.isEmpty, "\(String(reflecting: name)): \(query.summary)")
        }
        #expect(tree(archive).subtracting(["sediment.sqlite-wal", "sediment.sqlite-shm"]) == before.subtracting(["sediment.sqlite-wal", "sediment.sqlite-shm"]))
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
