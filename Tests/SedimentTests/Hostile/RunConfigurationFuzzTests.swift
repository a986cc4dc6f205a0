import Foundation
import PropertyBased
import Testing

@testable import Sediment

/// `run --config` files: YAML read whole, every problem reported with its place.
@Suite("Fuzz: run --config files")
struct RunConfigurationFuzzTests {
    static let seeds: [String] = {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../examples").standardized
        let files = ["sediment.yaml", "demo.yaml"].compactMap { try? String(contentsOf: examples.appendingPathComponent($0), encoding: .utf8) }
        return files + [
            "tasks:\n  - name: a\n    archive: a\n    brokers: 127.0.0.1:9092\n    topics: [orders]\n",
            "defaults: {brokers: h:1, grace: 5x}\ntasks: [{name: x, archive: /tmp/x, topics: t, start: 'offset:5', window-time: ingest}]\n",
            "tasks:\n  - &a {name: a, archive: a, topics: [t]}\n  - *a\n",
        ]
    }()

    @Test("a config file is read or refused with problems that each name the file, a line in it and what is wrong")
    func configFiles() async {
        #expect(Self.seeds.count == 5, "the examples are seeds: \(Self.seeds.count) seeds")
        let input = FuzzInput.text(
            seeds: Self.seeds,
            tokens: ["\n", "  ", "- ", ": ", "[", "]", "{", "}", "&a ", "*a", "!!binary ", "!!int ", "? ", "|\n", "'", "\"", "#", "---\n", "tasks:", "defaults:", "~", "\t", "%YAML 1.1\n", "<<: *a\n", "[[[[[[[[[[[[[[[[", "{{{{{{{{{{{{{{{{"],
            maxLength: 2500)
        await Fuzz.run("run --config", count: 1500, input: input) { text in
            do {
                _ = try RunConfiguration.parse(text, file: "fuzz.yaml", directory: "/nonexistent-fuzz", environment: ConfigFile.environment, now: 1_795_608_971_938)
                return .accepted
            } catch let error as SedimentError {
                guard let problems = error.underlying as? ConfigProblems else { throw Fuzz.Violation("no list of problems: \(error)") }
                try Fuzz.require(error.code == .invalidArgument && error.message == problems.description, "code \(error.code)")
                try Fuzz.require(!problems.problems.isEmpty, "an empty list of problems")
                // YAML breaks lines at \r too, as `Character.isNewline` does.
                let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
                for problem in problems.problems {
                    try Fuzz.require(problem.file == "fuzz.yaml" && !problem.message.isEmpty, "problem \(problem)")
                    try Fuzz.require(problem.line != nil || problem.message.hasPrefix("the file is empty"), "no line: \(problem)")
                    if let line = problem.line {
                        try Fuzz.require((1...lines + 1).contains(line), "line \(line) of a file of \(lines) lines: \(problem)")
                    }
                }
                return .rejected
            }
        }
    }

    @Test("found by fuzzing: a character YAML does not allow is reported at its line and column, not for the file as a whole")
    func regressions() throws {
        let text = "tasks:\n  - name: a\u{1}\n"
        let error = try #require(throws: SedimentError.self) { try RunConfiguration.parse(text, file: "f.yaml", directory: "/nonexistent", environment: ConfigFile.environment) }
        let problems = try #require(error.underlying as? ConfigProblems)
        #expect(problems.problems.map(\.description) == ["f.yaml:2:12: not valid YAML: control characters are not allowed (0x1)"])
    }

}
