import Foundation
import Testing

/// The `kcat` binary (`make setup` installs it); a missing kcat fails the test.
enum Kcat {
    /// Runs kcat with `input` on stdin and returns its stdout; a non-zero exit is recorded.
    static func run(_ arguments: [String], input: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kcat"] + arguments
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(
            process.terminationStatus == 0, "kcat \(arguments.joined(separator: " ")) exited \(process.terminationStatus)",
            sourceLocation: sourceLocation)
        return data
    }
}
