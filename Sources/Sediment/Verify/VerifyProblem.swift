/// Something `verify` found wrong: bytes that differ from what the index recorded, a
/// file or object that is gone, or index rows that contradict the bytes they describe.
public struct VerifyProblem: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A segment record whose CRC or layout is wrong.
        case segmentRecord = "segment-record"
        /// A segment file the index lists that is not there, or is shorter than committed.
        case segmentMissing = "segment-missing"
        /// Index rows that disagree with the segment bytes or with each other: blocks that
        /// do not tile their segment, offsets out of order, counts or times that differ.
        case index
        case windowFileMissing = "window-file-missing"
        /// A window file whose size or SHA-256 is not what the index recorded.
        case windowFileChanged = "window-file-changed"
        case objectMissing = "object-missing"
        /// An object whose size, ETag or SHA-256 is not what was uploaded.
        case objectChanged = "object-changed"
        case manifestMissing = "manifest-missing"
        /// A manifest that is not JSON of a manifest, or describes another window.
        case manifestChanged = "manifest-changed"
    }

    public var kind: Kind
    /// A file of the archive, relative to its directory; nil for an object.
    public var file: String?
    /// An object's key, relative to the target's prefix; nil for a file.
    public var key: String?
    /// Where the object is, as a person reads it: `s3://bucket/prefix/key`.
    public var object: String?
    /// The byte of the file or object where the problem is (the first bad record, the
    /// first member that does not inflate, the first byte that differs); nil when there
    /// is no such byte (the whole file or object is missing).
    public var position: Int64?
    public var detail: String

    /// The file or the object, as the CLI prints it.
    public var location: String { object ?? file ?? key ?? "" }

    init(_ kind: Kind, file: String, position: Int64?, _ detail: String) {
        self.kind = kind
        self.file = file
        self.position = position
        self.detail = detail
    }

    init(_ kind: Kind, key: String, object: String, position: Int64?, _ detail: String) {
        self.kind = kind
        self.key = key
        self.object = object
        self.position = position
        self.detail = detail
    }
}
