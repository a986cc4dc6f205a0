import Logging
import ServiceLifecycle

/// Uploads pending windows every `interval` while a long-running command (`dump`) runs.
/// A failed pass is logged and tried again at the next interval; a graceful shutdown
/// ends the loop once the pass in progress is done (the caller makes a last pass).
public struct UploadService: Service {
    /// The uploader, or nil while there is nothing to upload from yet.
    let uploader: @Sendable () throws -> WindowUploader?
    let interval: Duration
    let logger: Logger

    public init(uploader: @escaping @Sendable () throws -> WindowUploader?, interval: Duration, logger: Logger) {
        self.uploader = uploader
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                guard let uploader = try uploader() else { continue }
                let summary = try await uploader.uploadPending()
                if summary.objects > 0 { logger.info("uploaded windows", metadata: ["objects": "\(summary.objects)", "bytes": "\(summary.bytes)"]) }
            } catch {
                logger.error("upload pass failed, will try again: \(error)")
            }
        }
    }
}
