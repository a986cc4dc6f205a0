import Logging
import Sediment
import Synchronization

/// The archive routes read, opened on first use: a `run` task's archive exists only once
/// its brokers answered, and the server starts before that.
public final class ArchiveSource: Sendable {
    private let path: String
    private let logger: Logger
    private let opened: Mutex<Archive?>

    public init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
        opened = Mutex(nil)
    }

    public init(_ archive: Archive, logger: Logger) {
        path = archive.layout.root
        self.logger = logger
        opened = Mutex(archive)
    }

    /// The archive; a 404 while it does not exist yet.
    func open() throws -> Archive {
        if let archive = opened.withLock({ $0 }) { return archive }
        do {
            let archive = try Archive.open(at: path, logger: logger)
            opened.withLock { $0 = $0 ?? archive }
            return archive
        } catch let error as SedimentError where error.code == .notFound || error.code == .notAnArchive {
            throw APIError(status: .notFound, message: "the archive does not exist yet: its task has not reached its brokers", parameter: nil)
        }
    }
}
