import ArgumentParser
import Sediment

/// One exit code per class of failure, from sysexits(3), so that a script can tell "fix
/// the command" from "fix the data", "check this machine" and "check the servers"
/// without reading the message. SIGINT or SIGTERM stopping dump is not a failure: exit 0.
///
/// | class  | code | sysexits       |
/// |--------|------|----------------|
/// | usage  | 64   | EX_USAGE       |
/// | data   | 65   | EX_DATAERR     |
/// | I/O    | 74   | EX_IOERR       |
/// | remote | 69   | EX_UNAVAILABLE |
/// | other  | 1    |                |
extension ExitCode {
    static let usage = ExitCode.validationFailure
    static let dataError = ExitCode(65)
    static let ioError = ExitCode(74)
    static let unavailable = ExitCode(69)

    /// 1 for an error of no known class: a type from below the library that reached the
    /// CLI unwrapped, so the class would be a guess.
    init(classifying error: any Error) {
        switch ErrorClass(of: error) {
        case .usage: self = .usage
        case .data: self = .dataError
        case .io: self = .ioError
        case .remote: self = .unavailable
        case nil: self = .failure
        }
    }
}
