import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A local directory laid out like a bucket: the object `a/b.gz` is the file `DIR/a/b.gz`.
///
/// Layout (hidden entries start with `.sediment-` and are never listed as objects):
///
///     DIR/<key>                              the object's bytes
///     DIR/.sediment-meta/<key>.json          {"etag", "size", "metadata"}
///     DIR/.sediment-uploads/<id>/upload.json {"key", "metadata"} of an open multipart upload
///     DIR/.sediment-uploads/<id>/<n>         part n (ETag = its MD5 hex)
///
/// Every write goes to a temporary name, is fsynced and renamed, so a crash leaves
/// the old object or the new one. ETags follow S3: MD5 hex for a single PUT, MD5 of
/// the parts' MD5s plus `-N` for a multipart object, so callers verify both backends
/// the same way.
public struct FileObjectStore: ObjectStore {
    public let target: ObjectTarget
    let root: String

    static let metaDirectory = ".sediment-meta"
    static let uploadsDirectory = ".sediment-uploads"

    public init(target: ObjectTarget) throws {
        guard target.flavor == .file else {
            throw ObjectStoreError(.invalidTarget, message: "\(target) is not a file:// target")
        }
        self.target = target
        self.root = target.prefix.isEmpty ? target.bucket : target.bucket + "/" + target.prefix
    }

    /// A store in `directory` (created if missing).
    public init(directory: String) throws {
        try self.init(target: ObjectTarget(flavor: .file, bucket: directory))
    }

    struct Sidecar: Codable {
        var etag: String
        var size: Int64
        var metadata: [String: String]
    }

    public func putObject(key: String, payload: ObjectPayload, metadata: [String: String], ifAbsent: Bool) async throws -> String {
        let path = try objectPath(key, operation: "PUT")
        return try await run("PUT", key) {
            try Self.store(payload, at: path, what: "the object", ifAbsent: ifAbsent)
            let etag = payload.md5Hex
            try writeSidecar(key, Sidecar(etag: etag, size: payload.length, metadata: Self.lowercased(metadata)))
            return etag
        }
    }

    public func headObject(key: String) async throws -> ObjectInfo? {
        let path = try objectPath(key, operation: "HEAD")
        return try await run("HEAD", key) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { return nil }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            if let sidecar = readSidecar(key), sidecar.size == size {
                return ObjectInfo(key: key, size: size, etag: sidecar.etag, metadata: sidecar.metadata)
            }
            // A file put there by hand, or a sidecar from an older object: the MD5 is the ETag.
            let reader = try FileReader(path: path)
            var digests = FileDigests()
            try reader.forEachChunk(offset: 0, length: size) { digests.update($0) }
            return ObjectInfo(key: key, size: size, etag: digests.md5.hexString)
        }
    }

    public func getObject(key: String, range: ClosedRange<Int64>?, maxBytes: Int) async throws -> Data {
        let path = try objectPath(key, operation: "GET")
        return try await run("GET", key) {
            let (offset, length) = try Self.resolve(range, path: path, key: key)
            guard length <= Int64(maxBytes) else {
                throw ObjectStoreError(.invalidArgument, message: "\(length) bytes is more than the \(maxBytes) allowed")
            }
            var data = Data(capacity: Int(length))
            try FileReader(path: path).forEachChunk(offset: offset, length: length) { data.append(contentsOf: $0) }
            return data
        }
    }

    public func downloadObject(
        key: String, range: ClosedRange<Int64>?, to destination: String, computingSHA256: Bool
    ) async throws -> DownloadedObject {
        let path = try objectPath(key, operation: "GET")
        return try await run("GET", key) {
            let (offset, length) = try Self.resolve(range, path: path, key: key)
            let sink = DownloadSink(writer: try FileWriter(temporaryBeside: destination), hashing: computingSHA256)
            do {
                try FileReader(path: path).forEachChunk(offset: offset, length: length) { try sink.write($0) }
            } catch {
                sink.writer.discard()
                throw error
            }
            return try sink.commit(to: destination)
        }
    }

    public func downloadRange(key: String, range: ClosedRange<Int64>, intoFile destination: String) async throws -> Int64 {
        let path = try objectPath(key, operation: "GET")
        return try await run("GET", key) {
            let (offset, length) = try Self.resolve(range, path: path, key: key)
            let writer = try FileRangeWriter(path: destination, at: offset)
            try FileReader(path: path).forEachChunk(offset: offset, length: length) { try writer.write($0) }
            return writer.written
        }
    }

    public func listObjects(prefix: String) async throws -> [ObjectInfo] {
        try await run("LIST", prefix) {
            var objects: [ObjectInfo] = []
            guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
            while let relative = walker.nextObject() as? String {
                if relative.hasPrefix(".sediment-") || relative.contains(".tmp-") {
                    if relative.hasPrefix(".sediment-") { walker.skipDescendants() }
                    continue
                }
                guard relative.hasPrefix(prefix), walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
                let size = (walker.fileAttributes?[.size] as? NSNumber)?.int64Value ?? 0
                let etag = readSidecar(relative).flatMap { $0.size == size ? $0.etag : nil } ?? ""
                objects.append(ObjectInfo(key: relative, size: size, etag: etag))
            }
            return objects.sorted { $0.key < $1.key }
        }
    }

    /// Nothing to release: every call opens and closes its own files.
    public func shutdown() async throws {}

    public func deleteObject(key: String) async throws {
        let path = try objectPath(key, operation: "DELETE")
        try await run("DELETE", key) {
            if unlink(path) != 0 && errno != ENOENT { throw FileWriter.failure("cannot delete", path) }
            unlink(sidecarPath(key))
        }
    }
}
