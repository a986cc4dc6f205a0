/// One thing wrong in a config file, and where: the file, the line and column of the
/// value (or key) at fault, and its key path (`tasks[1].grace`).
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem is the file's as a whole (it cannot be read).
    public var line: Int?
    public var column: Int?
    /// Empty for the document itself.
    public var keyPath: String
    public var message: String

    /// `file:line:column: key.path: message`, as compilers print it.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        if !keyPath.isEmpty { text += ": " + keyPath }
        return text + ": " + message
    }
}

/// Every problem of a config file, thrown as the `underlying` of one `SedimentError`
/// (usage: nothing was started) whose message lists them all, one a line.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigProblem]

    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return (["\(file): \(count), nothing was started:"] + problems.map(\.description)).joined(separator: "\n")
    }

    var error: SedimentError {
        SedimentError(.invalidArgument, description, context: ["file": file], underlying: self)
    }
}

/// Collects problems while a file is read, so that one run reports them all; a value
/// given once in `defaults` and read for every task is reported once.
final class ConfigProblemList {
    let file: String
    private(set) var problems: [ConfigProblem] = []

    init(file: String) {
        self.file = file
    }

    var isEmpty: Bool { problems.isEmpty }

    func add(_ message: String, at location: ConfigLocation?, path: String) {
        let problem = ConfigProblem(file: file, line: location?.line, column: location?.column, keyPath: path, message: message)
        if !problems.contains(problem) { problems.append(problem) }
    }

    /// Throws them all, in the order of the file, if there are any.
    func throwIfAny() throws {
        guard !problems.isEmpty else { return }
        let ordered = problems.enumerated().sorted { a, b in
            let (left, right) = ((a.element.line ?? 0, a.element.column ?? 0), (b.element.line ?? 0, b.element.column ?? 0))
            return left != right ? left < right : a.offset < b.offset
        }
        throw ConfigProblems(file: file, problems: ordered.map(\.element)).error
    }
}

/// A position in a config file, 1-based.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public var description: String { "line \(line)" }
}
