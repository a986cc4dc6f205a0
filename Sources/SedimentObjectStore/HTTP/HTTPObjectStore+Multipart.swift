import AsyncHTTPClient
import Foundation
import NIOCore

extension HTTPObjectStore {
    public func createMultipartUpload(key: String, metadata: [String: String]) async throws -> String {
        var request = StoreRequest(method: .POST, key: key, query: [("uploads", "")])
        request.headers += metadataHeaders(metadata)
        let reply = try await perform(request, operation: "CreateMultipartUpload")
        guard let uploadID = XMLScanner(reply.text).value("UploadId"), !uploadID.isEmpty else {
            throw error(.invalidResponse, operation: "CreateMultipartUpload", key: key, message: "no UploadId in the reply")
        }
        return uploadID
    }

    /// Sending a part again is harmless (the store keeps the last copy), so a part
    /// whose reply was lost is simply uploaded again.
    public func uploadPart(key: String, uploadID: String, partNumber: Int, payload: ObjectPayload) async throws -> String {
        var request = StoreRequest(
            method: .PUT, key: key, query: [("partNumber", String(partNumber)), ("uploadId", uploadID)],
            body: .payload(payload))
        request.headers.append(("content-md5", payload.md5Base64))
        let reply = try await perform(request, operation: "UploadPart \(partNumber)")
        guard let etag = reply.etag() else {
            throw error(.invalidResponse, operation: "UploadPart \(partNumber)", key: key, message: "no ETag in the reply")
        }
        return etag
    }

    /// When a reply was lost, the retry may find the upload gone (`NoSuchUpload`)
    /// because the lost attempt completed it. The object is then checked: if it has
    /// `expectedETag`, the completion did happen and the call succeeds.
    public func completeMultipartUpload(
        key: String, uploadID: String, parts: [CompletedPart], expectedETag: String?, ifAbsent: Bool
    ) async throws -> String {
        var body = "<CompleteMultipartUpload>"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            body += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\"\(XMLScanner.escape(part.etag))\"</ETag></Part>"
        }
        body += "</CompleteMultipartUpload>"
        var request = StoreRequest(method: .POST, key: key, query: [("uploadId", uploadID)], body: .data(Data(body.utf8)))
        request.headers.append(("content-type", "application/xml"))
        if ifAbsent { request.headers += createOnlyHeaders }
        let operation = "CompleteMultipartUpload"
        var attempts = 0
        while true {
            attempts += 1
            do {
                let reply = try await perform(request, operation: operation)
                let xml = XMLScanner(reply.text)
                // S3 may answer 200 and still report an error in the body.
                if let code = xml.value("Code"), xml.elements("Error").count > 0 {
                    var failure = error(.http(500), operation: operation, key: key)
                    failure.serverCode = code
                    failure.serverMessage = xml.value("Message")
                    failure.httpStatus = 200
                    if attempts < configuration.retry.maxAttempts, code == "InternalError" || code == "SlowDown" { continue }
                    throw failure
                }
                return unquoted(xml.value("ETag") ?? reply.etag() ?? "")
            } catch let failure as ObjectStoreError where failure.code == .noSuchUpload || failure.code == .alreadyExists {
                // An attempt whose reply was lost completed it: the upload is gone (S3) or,
                // create-only, the object is there already (412) with these very parts.
                if let info = try await headObject(key: key), let expectedETag, info.etag == expectedETag {
                    logger.info("multipart upload was completed by an attempt whose reply was lost", metadata: ["key": "\(key)"])
                    if failure.code == .alreadyExists { try? await abortMultipartUpload(key: key, uploadID: uploadID) }
                    return info.etag
                }
                throw failure
            }
        }
    }

    public func abortMultipartUpload(key: String, uploadID: String) async throws {
        let request = StoreRequest(method: .DELETE, key: key, query: [("uploadId", uploadID)])
        do {
            _ = try await perform(request, operation: "AbortMultipartUpload")
        } catch let failure as ObjectStoreError where failure.code == .noSuchUpload {
            return  // already gone: aborted or completed by an attempt whose reply was lost
        }
    }

    public func listMultipartUploads(prefix: String) async throws -> [MultipartUploadInfo] {
        var uploads: [MultipartUploadInfo] = []
        var markers: (key: String, uploadID: String)?
        repeat {
            var request = StoreRequest(method: .GET, key: nil, query: [("uploads", ""), ("prefix", target.fullKey(prefix))])
            if let markers { request.query += [("key-marker", markers.key), ("upload-id-marker", markers.uploadID)] }
            if let size = configuration.listPageSize { request.query.append(("max-uploads", String(size))) }
            let xml = XMLScanner(try await perform(request, operation: "ListMultipartUploads").text)
            for upload in xml.children("Upload") {
                guard let key = upload.value("Key"), let id = upload.value("UploadId") else { continue }
                uploads.append(MultipartUploadInfo(
                    key: target.relativeKey(key), uploadID: id, initiated: upload.value("Initiated").flatMap(RFC3339.date)))
            }
            if xml.value("IsTruncated") == "true" {
                guard let key = xml.value("NextKeyMarker"), let id = xml.value("NextUploadIdMarker"), markers.map({ $0 != (key, id) }) ?? true else {
                    throw error(
                        .invalidResponse, operation: "ListMultipartUploads", key: prefix,
                        message: "the listing is truncated but names no marker past \(markers.map { "'\($0.key)' '\($0.uploadID)'" } ?? "its first page")")
                }
                markers = (key, id)
            } else {
                markers = nil
            }
        } while markers != nil
        return uploads
    }

    public func downloadObject(key: String, range: ClosedRange<Int64>?, to path: String, computingSHA256: Bool) async throws -> DownloadedObject {
        var request = StoreRequest(method: .GET, key: key)
        if let range { request.headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        return try await retryingDownload { try await self.downloadOnce(request, to: path, computingSHA256: computingSHA256) }
    }

    public func downloadRange(key: String, range: ClosedRange<Int64>, intoFile path: String) async throws -> Int64 {
        var request = StoreRequest(method: .GET, key: key)
        request.headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)"))
        return try await retryingDownload {
            let response = try await self.start(request, operation: "GET")
            let writer = try await BlockingIO.run { try FileRangeWriter(path: path, at: range.lowerBound) }
            do {
                try await self.drain(response.body) { full in try await BlockingIO.run { try writer.write(full) } }
            } catch {
                throw self.transportError(error, operation: "GET", key: key)
            }
            guard writer.written == Int64(range.count) else {
                throw ObjectStoreError(
                    .transport, message: "GET \(key) bytes \(range.lowerBound)-\(range.upperBound): \(writer.written) bytes came, not \(range.count)")
            }
            return writer.written
        }
    }

    /// Retries a download whose failure may pass, as every request is retried.
    private func retryingDownload<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 1
        var slept = Duration.zero
        while true {
            do {
                return try await body()
            } catch let failure as ObjectStoreError {
                guard failure.isRetriable, !Task.isCancelled,
                    let delay = configuration.retry.delay(afterAttempt: attempt, sleptSoFar: slept)
                else { throw failure }
                try await Task.sleep(for: delay)
                slept += delay
                attempt += 1
            }
        }
    }

    /// Hands the body on a megabyte at a time: one hop off the event loop per chunk the
    /// client gives would cost more than the writing.
    private func drain(_ body: HTTPClientResponse.Body, _ write: (ByteBuffer) async throws -> Void) async throws {
        var pending = ByteBuffer()
        for try await chunk in body {
            if pending.readableBytes == 0 && chunk.readableBytes >= DownloadSink.batch {
                try await write(chunk)
                continue
            }
            var chunk = chunk
            pending.writeBuffer(&chunk)
            if pending.readableBytes >= DownloadSink.batch {
                try await write(pending)
                pending = ByteBuffer()
            }
        }
        if pending.readableBytes > 0 { try await write(pending) }
    }

    /// Streams the body into a temporary file beside `path`, then renames it over `path`.
    private func downloadOnce(_ request: StoreRequest, to path: String, computingSHA256: Bool) async throws -> DownloadedObject {
        let response = try await start(request, operation: "GET")
        let sink = try await BlockingIO.run { DownloadSink(writer: try FileWriter(temporaryBeside: path), hashing: computingSHA256) }
        do {
            try await drain(response.body) { full in try await BlockingIO.run { try sink.write(full) } }
        } catch {
            sink.writer.discard()
            throw transportError(error, operation: "GET", key: request.key)
        }
        return try await BlockingIO.run { try sink.commit(to: path) }
    }
}
