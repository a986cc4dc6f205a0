import Foundation

extension ArchiveDump {
    /// Runs the dump on a thread of its own (its work blocks: librdkafka's poll, fsync)
    /// and returns its summary; `stop` ends it as `run(stop:)` says.
    func runOnThread(stop: DumpStop) async throws -> DumpSummary {
        let handle = Handle(self)
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try handle.dump.run(stop: stop) })
            }
            thread.name = "sediment-dump"
            thread.start()
        }
    }

    /// Carries the dump to the one thread that runs it; nothing else touches it meanwhile.
    struct Handle: @unchecked Sendable {
        let dump: ArchiveDump
        init(_ dump: ArchiveDump) { self.dump = dump }
    }
}
