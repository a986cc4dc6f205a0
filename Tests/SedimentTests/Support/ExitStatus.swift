/// The CLI's exit codes, one per class of failure (sysexits(3)), as the README documents
/// them: written out here, not taken from the CLI, so that a change to them fails a test.
enum ExitStatus {
    static let usage: Int32 = 64
    static let data: Int32 = 65
    static let io: Int32 = 74
    static let remote: Int32 = 69
}
