import Foundation
import Logging
import ServiceLifecycle

/// `ArchiveDump` as a `Service`: it runs on a thread of its own (its work blocks), and a
/// graceful shutdown (SIGINT, SIGTERM) asks it to stop fetching, write and commit what it
/// holds, and return.
public struct DumpService: Service {
    private let dump: ArchiveDump.Handle
    private let result: ResultBox

    public init(_ dump: ArchiveDump) {
        self.dump = ArchiveDump.Handle(dump)
        self.result = ResultBox()
    }

    /// The summary once `run` has returned.
    public var summary: DumpSummary? { result.summary }

    public func run() async throws {
        let stop = DumpStop()
        try await withGracefulShutdownHandler {
            let summary = try await withCheckedThrowingContinuation { continuation in
                let thread = Thread { [dump] in
                    continuation.resume(with: Result { try dump.dump.run(stop: stop) })
                }
                thread.name = "sediment-dump"
                thread.start()
            }
            result.set(summary)
        } onGracefulShutdown: {
            stop.request()
        }
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: DumpSummary?
        var summary: DumpSummary? { lock.withLock { stored } }
        func set(_ summary: DumpSummary) { lock.withLock { stored = summary } }
    }
}

extension ArchiveDump {
    /// Carries the dump to the one thread that runs it; nothing else touches it meanwhile.
    struct Handle: @unchecked Sendable {
        let dump: ArchiveDump
        init(_ dump: ArchiveDump) { self.dump = dump }
    }
}
