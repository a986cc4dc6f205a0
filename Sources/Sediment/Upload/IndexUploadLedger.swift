import Foundation
import SedimentObjectStore

/// The archive's index as the record of the multipart uploads a `WindowUploader` starts on
/// one target, so that sweeping a key aborts only what this archive left open (and uploads
/// past `staleUploadAge`). Blocking index work runs off the cooperative pool.
struct IndexUploadLedger: MultipartUploadLedger {
    let index: ArchiveIndex
    let targetID: Int64

    func starting(key: String, at time: Date) async throws -> Int64 {
        let (index, targetID) = (index, targetID)
        let milliseconds = Self.milliseconds(time)
        return try await BlockingIO.run { try index.recordMultipartUploadStarting(targetID: targetID, key: key, at: milliseconds) }
    }

    func started(_ handle: Int64, uploadID: String, at time: Date) async throws {
        let index = index
        let milliseconds = Self.milliseconds(time)
        try await BlockingIO.run { try index.recordMultipartUploadStarted(handle, uploadID: uploadID, at: milliseconds) }
    }

    func uploads(of key: String) async throws -> [RecordedMultipartUpload] {
        let (index, targetID) = (index, targetID)
        return try await BlockingIO.run { try index.multipartUploads(targetID: targetID, key: key) }.map {
            RecordedMultipartUpload(uploadID: $0.uploadID, requestedAt: Self.date($0.requestedAt), answeredAt: $0.answeredAt.map(Self.date))
        }
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    func forget(key: String, except stillOpen: Set<String>) async {
        let (index, targetID) = (index, targetID)
        try? await BlockingIO.run { try index.forgetMultipartUploads(targetID: targetID, key: key, except: stillOpen) }
    }
}
