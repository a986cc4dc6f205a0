import Foundation

/// Where an `ObjectUploader` records the multipart uploads it starts, so that sweeping a
/// key aborts only uploads its owner started (those a crashed or cut-short run left open,
/// or a create whose reply was lost and retried left behind) and uploads older than
/// `ObjectUploader.Configuration.staleUploadAge`, never a live upload another process
/// started under the same key. The archive's index is one (it outlives a crash);
/// `ProcessUploadLedger`, in memory, is the default.
public protocol MultipartUploadLedger: Sendable {
    /// Before CreateMultipartUpload of `key`: returns a handle for the upload about to start,
    /// recorded with `time` and no id (the reply may be lost, or the process killed).
    func starting(key: String, at time: Date) async throws -> Int64
    /// The create's reply came, at `time`, with `uploadID`.
    func started(_ handle: Int64, uploadID: String, at time: Date) async throws
    /// What is recorded of `key`'s uploads.
    func uploads(of key: String) async throws -> [RecordedMultipartUpload]
    /// Forgets `key`'s records, but those whose upload is in `stillOpen`: after a sweep,
    /// which follows every multipart upload's completion or abort.
    func forget(key: String, except stillOpen: Set<String>) async
}

/// A multipart upload a `MultipartUploadLedger` recorded.
public struct RecordedMultipartUpload: Sendable, Hashable {
    /// Nil when the create's reply never came.
    public var uploadID: String?
    /// When the create was sent.
    public var requestedAt: Date
    /// When its reply came; nil if it never did. An upload the store started in between,
    /// other than `uploadID`, is an attempt of this create whose reply was lost.
    public var answeredAt: Date?

    public init(uploadID: String?, requestedAt: Date, answeredAt: Date? = nil) {
        self.uploadID = uploadID
        self.requestedAt = requestedAt
        self.answeredAt = answeredAt
    }

    /// Whether an upload the store says started at `initiated` may be this create's (one
    /// of its attempts): within `clockSkew` of the request and the reply, or of the
    /// request and `unansweredBound` after it for a reply that never came.
    func mayHaveStarted(at initiated: Date, clockSkew: TimeInterval, unansweredBound: TimeInterval) -> Bool {
        let end = answeredAt ?? requestedAt.addingTimeInterval(unansweredBound)
        return initiated >= requestedAt.addingTimeInterval(-clockSkew) && initiated <= end.addingTimeInterval(clockSkew)
    }
}

/// The uploads one `ObjectUploader` (and its copies) started, kept in memory: lost replies
/// of this process's own creates are swept, not what a crashed process left.
public actor ProcessUploadLedger: MultipartUploadLedger {
    private var records: [Int64: (key: String, upload: RecordedMultipartUpload)] = [:]
    private var nextHandle: Int64 = 1

    public init() {}

    public func starting(key: String, at time: Date) -> Int64 {
        defer { nextHandle += 1 }
        records[nextHandle] = (key, RecordedMultipartUpload(uploadID: nil, requestedAt: time))
        return nextHandle
    }

    public func started(_ handle: Int64, uploadID: String, at time: Date) {
        records[handle]?.upload.uploadID = uploadID
        records[handle]?.upload.answeredAt = time
    }

    public func uploads(of key: String) -> [RecordedMultipartUpload] {
        records.sorted { $0.key < $1.key }.filter { $0.value.key == key }.map(\.value.upload)
    }

    public func forget(key: String, except stillOpen: Set<String>) {
        records = records.filter { $0.value.key != key || $0.value.upload.uploadID.map(stillOpen.contains) == true }
    }
}

extension Duration {
    /// In seconds, as `Date` arithmetic takes them.
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
