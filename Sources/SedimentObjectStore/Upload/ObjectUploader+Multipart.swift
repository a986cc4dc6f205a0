import Foundation
import Logging

extension ObjectUploader {
    /// Creates the upload, sends the parts `concurrency` at a time, completes it and
    /// checks the result. On any failure the upload is aborted, so no parts linger.
    ///
    /// The whole file's SHA-256 is computed from the bytes the parts are read from, and
    /// compared with `whole`'s (the one recorded, or read first) before the upload is
    /// completed: a file changed on disk since (same size, say) fails, naming the file,
    /// and no object is made.
    func uploadInParts(path: String, key: String, whole: ObjectPayload, metadata: [String: String]) async throws -> UploadedObject {
        let partSize = partSize(for: whole.length)
        let partCount = Int((whole.length + partSize - 1) / partSize)
        // Recorded before it exists: a reply that never comes still leaves a trace to sweep by.
        let handle = try await ledger.starting(key: key, at: Date())
        let uploadID = try await store.createMultipartUpload(key: key, metadata: metadata)
        try await ledger.started(handle, uploadID: uploadID, at: Date())
        logger.debug("multipart upload started", metadata: ["key": "\(key)", "parts": "\(partCount)"])
        do {
            let digest = PartOrderedDigest()
            let parts = try await uploadParts(
                path: path, key: key, uploadID: uploadID, size: whole.length, partSize: partSize, digest: digest)
            if let recorded = whole.sha256, let read = await digest.finalize(), read != recorded {
                throw mismatch(
                    "UploadPart", key,
                    "\(path) changed since its SHA-256 was recorded: its bytes hash to \(read.hexString), not \(recorded.hexString); the upload was aborted")
            }
            let expected = Self.multipartETag(partMD5s: parts.map(\.md5))
            let completed = parts.map { CompletedPart(partNumber: $0.number, etag: $0.etag) }
            let etag = try await store.completeMultipartUpload(
                key: key, uploadID: uploadID, parts: completed, expectedETag: expected, ifAbsent: createOnly)
            try await verifyCompleted(key: key, etag: etag, expected: expected, whole: whole)
            await sweepStaleUploads(key: key)
            return UploadedObject(
                key: key, size: whole.length, etag: etag, md5: whole.md5Hex, sha256: whole.sha256Hex, partCount: partCount)
        } catch {
            await abort(key: key, uploadID: uploadID, because: error)
            throw error
        }
    }

    struct UploadedPart: Sendable {
        var number: Int
        var etag: String
        var md5: Data
    }

    /// Uploads every part, at most `concurrency` at once; returns them in part order. Each
    /// part's bytes are fed to `digest` as they are read for the part's MD5.
    func uploadParts(
        path: String, key: String, uploadID: String, size: Int64, partSize: Int64, digest: PartOrderedDigest
    ) async throws -> [UploadedPart] {
        let partCount = Int((size + partSize - 1) / partSize)
        let store = self.store
        return try await withThrowingTaskGroup(of: UploadedPart.self) { group in
            var next = 1
            var done: [UploadedPart] = []
            func addPart(_ number: Int) {
                let offset = Int64(number - 1) * partSize
                let length = Swift.min(partSize, size - offset)
                group.addTask {
                    do {
                        // Parts go as UNSIGNED-PAYLOAD: Content-MD5 and the ETag check cover each
                        // on its way, and the whole file's SHA-256 is built from the same reads.
                        let hasher = try await digest.take(forPart: number)
                        let (payload, hashed) = try await ObjectPayload.file(path: path, offset: offset, length: length, feeding: hasher)
                        await digest.giveBack(hashed, afterPart: number)
                        let etag = try await store.uploadPart(key: key, uploadID: uploadID, partNumber: number, payload: payload)
                        guard etag == payload.md5Hex else {
                            throw mismatch("UploadPart \(number)", key, "the store's ETag \(etag) is not the part's MD5 \(payload.md5Hex)")
                        }
                        return UploadedPart(number: number, etag: etag, md5: payload.md5)
                    } catch {
                        await digest.fail(error)
                        throw error
                    }
                }
            }
            while next <= Swift.min(partCount, Swift.max(1, configuration.concurrency)) {
                addPart(next)
                next += 1
            }
            while let part = try await group.next() {
                done.append(part)
                if next <= partCount {
                    addPart(next)
                    next += 1
                }
            }
            return done.sorted { $0.number < $1.number }
        }
    }

    /// The store's word on the finished object. SeaweedFS, S3 and COS all return S3's
    /// multipart ETag (MD5 of the part MD5s, `-N`), checked in the tests against
    /// SeaweedFS, so anything else means the store assembled other parts than ours.
    /// A HEAD then confirms that the object exists with the file's size.
    func verifyCompleted(key: String, etag: String, expected: String, whole: ObjectPayload) async throws {
        guard etag == expected else {
            throw mismatch("CompleteMultipartUpload", key, "the store's ETag \(etag) is not the multipart ETag \(expected)")
        }
        guard let info = try await store.headObject(key: key) else {
            throw mismatch("CompleteMultipartUpload", key, "the object is missing after completion")
        }
        guard info.size == whole.length, info.etag == expected else {
            throw mismatch(
                "CompleteMultipartUpload", key,
                "the object has \(info.size) bytes and ETag \(info.etag), expected \(whole.length) and \(expected)")
        }
    }

    /// Aborts the upload, retrying on its own, outside any cancellation of the caller. The
    /// sweep that follows forgets its record, unless the upload is still open.
    func abort(key: String, uploadID: String, because error: any Error) async {
        let store = self.store
        let logger = self.logger
        await Task {
            do {
                try await store.abortMultipartUpload(key: key, uploadID: uploadID)
                logger.info("aborted multipart upload", metadata: ["key": "\(key)", "reason": "\(error)"])
            } catch {
                logger.error("could not abort multipart upload", metadata: ["key": "\(key)", "error": "\(error)"])
            }
        }.value
        await sweepStaleUploads(key: key)
    }

    /// Aborts the open uploads of this exact key that were left behind: those the ledger
    /// records as started here (a run killed mid-upload, an abort that failed), those an
    /// attempt of a recorded create whose reply was lost started (matched by the time the
    /// store says they started: `RecordedMultipartUpload.mayHaveStarted`), and any older
    /// than `staleUploadAge`. A younger upload nothing here started is another process's,
    /// maybe live: left alone.
    public func sweepStaleUploads(key: String) async {
        let (store, ledger, configuration, logger) = (self.store, self.ledger, self.configuration, self.logger)
        await Task {
            guard let open = try? await store.listMultipartUploads(prefix: key) else { return }
            let recorded = (try? await ledger.uploads(of: key)) ?? []
            let ours = Set(recorded.compactMap(\.uploadID))
            let now = Date()
            let (skew, bound) = (configuration.clockSkew.seconds, configuration.unansweredCreateBound.seconds)
            var stillOpen: Set<String> = []
            for upload in open where upload.key == key {
                let stale: Bool
                if ours.contains(upload.uploadID) {
                    stale = true
                } else if let initiated = upload.initiated {
                    stale = now.timeIntervalSince(initiated) > configuration.staleUploadAge.seconds
                        || recorded.contains { $0.mayHaveStarted(at: initiated, clockSkew: skew, unansweredBound: bound) }
                } else {
                    // A store that does not say when: only a create of ours that never heard back.
                    stale = recorded.contains { $0.answeredAt == nil }
                }
                guard stale else {
                    logger.debug("left another open multipart upload of the key alone", metadata: ["key": "\(key)", "upload": "\(upload.uploadID)"])
                    continue
                }
                do {
                    try await store.abortMultipartUpload(key: key, uploadID: upload.uploadID)
                } catch {
                    stillOpen.insert(upload.uploadID)
                }
            }
            await ledger.forget(key: key, except: stillOpen)
        }.value
    }
}
