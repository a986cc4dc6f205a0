import Foundation
import Testing
@testable import Sediment

/// A config file for `sediment run`, written into its own scratch directory (relative
/// archive paths land there), and what reading it gives.
struct ConfigFile {
    let scratch: TemporaryDirectory
    let path: String

    /// The environment files are read with unless a test gives another: a `PATH` and no
    /// credentials, whatever the machine's environment holds.
    static let environment = ["PATH": "/usr/bin:/bin"]

    init(_ text: String, name: String = "sediment.yaml", scratch: TemporaryDirectory = TemporaryDirectory(label: "config")) throws {
        self.scratch = scratch
        path = scratch.file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func load(environment: [String: String] = ConfigFile.environment) throws -> RunConfiguration {
        try RunConfiguration.load(path: path, environment: environment)
    }

    /// What reading the file reports, each as `file:line:column: key.path: message`; a file
    /// that reads without a problem fails the test.
    func problems(environment: [String: String] = ConfigFile.environment, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do {
            _ = try load(environment: environment)
            Issue.record("\(path) was read without a problem", sourceLocation: sourceLocation)
            return []
        } catch let error as SedimentError {
            #expect(error.errorClass == .usage, sourceLocation: sourceLocation)
            guard let problems = error.underlying as? ConfigProblems else {
                Issue.record("not a list of problems: \(error)", sourceLocation: sourceLocation)
                return []
            }
            #expect(error.message == problems.description, sourceLocation: sourceLocation)
            return problems.problems.map(\.description)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    /// `file:line:column: ` for this file.
    func at(_ line: Int, _ column: Int) -> String { "\(path):\(line):\(column): " }
}
