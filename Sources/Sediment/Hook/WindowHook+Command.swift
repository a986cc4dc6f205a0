import Foundation

extension WindowHook {
    /// What a hook runs: a config file's `on-window` gives either form, `--on-window` a shell line.
    public enum Command: Sendable, Hashable, CustomStringConvertible {
        /// A string: run by `/bin/sh -c`.
        case shell(String)
        /// A list: the program (a path, or a name looked up on `PATH`) and its arguments, run
        /// without a shell.
        case command([String])

        public var description: String {
            switch self {
            case .shell(let line): "sh -c \(Self.quoted(line))"
            case .command(let words): words.map(Self.quoted).joined(separator: " ")
            }
        }

        /// Refuses what could never run: an empty command, a NUL byte, a program that is not
        /// an executable file (a relative path is taken from `directory`, the config file's).
        func checked(directory: String, environment: [String: String]) throws -> Command {
            switch self {
            case .shell(let line):
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { throw Self.invalid("the command is empty") }
                guard !line.contains("\0") else { throw Self.invalid("the command holds a NUL byte") }
                return self
            case .command(var words):
                guard let program = words.first, !program.isEmpty else { throw Self.invalid("the program (the list's first item) is empty") }
                guard !words.contains(where: { $0.contains("\0") }) else { throw Self.invalid("an argument holds a NUL byte") }
                words[0] = try Self.resolve(program, directory: directory, path: environment["PATH"] ?? "/usr/bin:/bin")
                return .command(words)
            }
        }

        private static func resolve(_ program: String, directory: String, path: String) throws -> String {
            let manager = FileManager.default
            if program.contains("/") {
                let full = program.hasPrefix("/") ? program : directory + "/" + program
                guard manager.isExecutableFile(atPath: full) else { throw invalid("'\(full)' is not an executable file") }
                return (full as NSString).standardizingPath
            }
            for folder in path.split(separator: ":") where manager.isExecutableFile(atPath: "\(folder)/\(program)") {
                return "\(folder)/\(program)"
            }
            throw invalid("'\(program)' is not found on PATH (\(path))")
        }

        private static func invalid(_ reason: String) -> SedimentError {
            SedimentError(.invalidArgument, "invalid on-window hook: \(reason)")
        }

        private static func quoted(_ word: String) -> String {
            let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%{}".contains($0) }
            return plain ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }
    }
}
