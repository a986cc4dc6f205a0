/// Where one window file stands with one upload target (`window_uploads.state`).
///
///     (none) ──► uploading ──► uploaded
///                    │  ▲
///                    ▼  │
///                  failed
///
/// Every transition may be repeated, so a rerun after any crash is safe. A file found
/// `uploading` or `failed` may have reached the store (a reply lost, a kill after the
/// last byte): it is looked up there before it is sent again.
public enum UploadState: String, Sendable, Codable, CaseIterable {
    /// Counted by `status` for files with no row yet; never written.
    case pending
    case uploading
    /// The store confirmed the object; its ETag is recorded.
    case uploaded
    /// The last attempt failed; the error and the attempt count are recorded.
    case failed

    /// Whether an earlier attempt may have left an object or an open multipart upload.
    var mayHaveReachedStore: Bool { self == .uploading || self == .failed }
}
