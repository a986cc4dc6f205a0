import Crypto
import Foundation

/// Multipart uploads kept in `.sediment-uploads/<id>/`, with S3's rules (parts
/// numbered 1...10000, every part but the last at least 5 MiB, ETags checked at
/// completion) so that the uploader runs the same path against a directory.
extension FileObjectStore {
    struct UploadRecord: Codable {
        var key: String
        var metadata: [String: String]
        /// When the upload was created (absent in records written before it was kept).
        var initiated: Date?
    }

    static let minimumPartSize: Int64 = 5 << 20

    func uploadDirectory(_ uploadID: String) throws -> String {
        guard !uploadID.isEmpty, uploadID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ObjectStoreError(.noSuchUpload, serverCode: "NoSuchUpload", serverMessage: "malformed upload ID")
        }
        return root + "/" + Self.uploadsDirectory + "/" + uploadID
    }

    func openUpload(_ uploadID: String) throws -> (String, UploadRecord) {
        let directory = try uploadDirectory(uploadID)
        guard let data = FileManager.default.contents(atPath: directory + "/upload.json"),
            let record = try? JSONDecoder().decode(UploadRecord.self, from: data)
        else {
            throw ObjectStoreError(.noSuchUpload, serverCode: "NoSuchUpload", serverMessage: "The specified upload does not exist.")
        }
        return (directory, record)
    }

    public func createMultipartUpload(key: String, metadata: [String: String]) async throws -> String {
        _ = try objectPath(key, operation: "CreateMultipartUpload")
        return try await run("CreateMultipartUpload", key) {
            let uploadID = UUID().uuidString.lowercased()
            let path = try uploadDirectory(uploadID) + "/upload.json"
            let writer = try FileWriter(temporaryBeside: path)
            try writer.write(try JSONEncoder().encode(UploadRecord(key: key, metadata: Self.lowercased(metadata), initiated: Date())))
            try writer.commit(to: path)
            return uploadID
        }
    }

    public func uploadPart(key: String, uploadID: String, partNumber: Int, payload: ObjectPayload) async throws -> String {
        try await run("UploadPart \(partNumber)", key) {
            let (directory, record) = try openUpload(uploadID)
            guard record.key == key, (1...10_000).contains(partNumber) else {
                throw ObjectStoreError(.http(400), message: "part \(partNumber) does not belong to upload \(uploadID) of \(key)", httpStatus: 400)
            }
            try Self.store(payload, at: directory + "/\(partNumber)", what: "part \(partNumber)")
            return payload.md5Hex
        }
    }

    public func completeMultipartUpload(
        key: String, uploadID: String, parts: [CompletedPart], expectedETag: String?, ifAbsent: Bool
    ) async throws -> String {
        let path = try objectPath(key, operation: "CompleteMultipartUpload")
        return try await run("CompleteMultipartUpload", key) {
            let (directory, record) = try openUpload(uploadID)
            let ordered = parts.sorted { $0.partNumber < $1.partNumber }
            guard !ordered.isEmpty, record.key == key else {
                throw ObjectStoreError(.http(400), serverCode: "MalformedXML", httpStatus: 400)
            }
            let writer = try FileWriter(temporaryBeside: path)
            var partDigests = Data()
            for (index, part) in ordered.enumerated() {
                let partPath = directory + "/\(part.partNumber)"
                let reader: FileReader
                do { reader = try FileReader(path: partPath) } catch {
                    writer.discard()
                    throw ObjectStoreError(.http(400), serverCode: "InvalidPart", serverMessage: "part \(part.partNumber) was not uploaded", httpStatus: 400)
                }
                let size = try reader.size()
                var digests = FileDigests()
                try reader.forEachChunk(offset: 0, length: size) { chunk in
                    digests.update(chunk)
                    try writer.write(chunk)
                }
                guard digests.md5.hexString == part.etag else {
                    writer.discard()
                    throw ObjectStoreError(.http(400), serverCode: "InvalidPart", serverMessage: "ETag of part \(part.partNumber) differs", httpStatus: 400)
                }
                guard size >= Self.minimumPartSize || index == ordered.count - 1 else {
                    writer.discard()
                    throw ObjectStoreError(.http(400), serverCode: "EntityTooSmall", serverMessage: "part \(part.partNumber) is smaller than 5 MiB", httpStatus: 400)
                }
                partDigests.append(digests.md5)
            }
            let etag = Data(Insecure.MD5.hash(data: partDigests)).hexString + "-\(ordered.count)"
            let size = try writer.commit(to: path, replacing: !ifAbsent)
            try writeSidecar(key, Sidecar(etag: etag, size: size, metadata: record.metadata))
            try? FileManager.default.removeItem(atPath: directory)
            return etag
        }
    }

    public func abortMultipartUpload(key: String, uploadID: String) async throws {
        try await run("AbortMultipartUpload", key) {
            let directory = try uploadDirectory(uploadID)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    public func listMultipartUploads(prefix: String) async throws -> [MultipartUploadInfo] {
        try await run("ListMultipartUploads", prefix) {
            let directory = root + "/" + Self.uploadsDirectory
            let ids = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return ids.sorted().compactMap { id -> MultipartUploadInfo? in
                guard !id.contains(".tmp-"), let (_, record) = try? openUpload(id), record.key.hasPrefix(prefix) else { return nil }
                return MultipartUploadInfo(key: record.key, uploadID: id, initiated: record.initiated)
            }
        }
    }
}
