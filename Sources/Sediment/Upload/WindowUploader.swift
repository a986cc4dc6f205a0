import Foundation
import Logging
import SedimentObjectStore

/// Uploads window files to one target and records, per file, what the store confirmed.
///
/// Each file moves pending → uploading → uploaded (or failed, with the error and the
/// attempt count). A file found `uploading` or `failed` is first looked up in the store:
/// if the object is there with the file's SHA-256, it is marked uploaded without a second
/// upload, which is what makes a rerun after a crash or a lost reply safe.
public final class WindowUploader: Sendable {
    public struct Options: Sendable {
        /// Default `{instance}/{topic}/{date}/{timestamp}`.
        public var template: KeyTemplate
        public var uploader = ObjectUploader.Configuration()
        /// Files uploaded at once (each may send `uploader.concurrency` parts). Default 4.
        public var files = 4
        /// Whether local retention waits for this target. Default true (`reupload`: false).
        public var continuous = true
        /// Whether to record the target in the index. Default true; a dry run records nothing.
        public var recordsTarget = true
        /// Where the times recorded with each state come from. Default: the wall clock.
        public var now: @Sendable () -> Int64 = WallClock.nowMilliseconds

        public init(template: KeyTemplate) { self.template = template }
    }

    public let archive: Archive
    public let store: any ObjectStore
    public let options: Options
    private let uploader: ObjectUploader
    private let targetID: Int64
    /// `{worker}` for partitions with no worker recorded.
    private let anonymousWorker: String
    /// Named in each object's `sediment-source` metadata.
    private let archiveID: String
    private let logger: Logger

    /// Opens the archive at `path` for uploading to `store` (whose target URI is recorded).
    public convenience init(archive path: String, store: any ObjectStore, targetURI: String, options: Options, logger: Logger) throws {
        try self.init(
            archive: try Archive.openForUpdate(at: path, logger: logger), store: store, targetURI: targetURI, options: options,
            logger: logger)
    }

    /// Uploads from `archive` (whose index records the upload states) to `store`.
    public init(archive: Archive, store: any ObjectStore, targetURI: String, options: Options, logger: Logger) throws {
        self.archive = archive
        self.store = store
        self.options = options
        self.logger = logger
        archiveID = try archive.index.archiveID()
        anonymousWorker = Archive.anonymousWorkerName(archiveID: archiveID)
        if options.recordsTarget {
            targetID = try archive.index.registerTarget(
                UploadTargetRecord(uri: targetURI, template: options.template, continuous: options.continuous),
                at: options.now())
        } else {
            // An unknown target has no state yet: id 0 matches no row.
            targetID = try archive.index.targetID(uri: targetURI) ?? 0
        }
        // Uploads started are recorded with the target, so that a later run sweeps what this
        // one leaves open; a run that records nothing (a dry run) starts none.
        let ledger: any MultipartUploadLedger =
            options.recordsTarget ? IndexUploadLedger(index: archive.index, targetID: targetID) : ProcessUploadLedger()
        uploader = ObjectUploader(store: store, configuration: options.uploader, ledger: ledger, logger: logger)
    }

    /// Uploads every window file not yet confirmed by the target. Like a query, an upload
    /// holds a `ReaderLease`: local retention deletes no window file while it reads them.
    public func uploadPending(
        instance: String? = nil, topic: String? = nil, progress: (@Sendable (UploadProgress) -> Void)? = nil
    ) async throws -> UploadSummary {
        let lease = ReaderLease(layout: archive.layout)
        defer { withExtendedLifetime(lease) {} }
        let (index, targetID) = (archive.index, targetID)
        let candidates = try await BlockingIO.run {
            try index.uploadCandidates(targetID: targetID, instance: instance, topic: topic, range: nil, unfinishedOnly: true)
        }
        // A file never tried goes straight to a create-only write where the store takes
        // one: it fails rather than replace anything, and costs no extra request.
        let lookFirst = !store.target.conditionalWrites
        return try await upload(candidates, checkFirst: { lookFirst || $0.state != nil }, dryRun: false, progress: progress)
    }

    /// Uploads the window files of a topic whose windows meet `range`, whatever their state:
    /// to a new bucket, or to the same one after an outage. Objects already present with
    /// the same SHA-256 are skipped.
    public func reupload(
        instance: String, topic: String, range: Range<Int64>, dryRun: Bool,
        progress: (@Sendable (UploadProgress) -> Void)? = nil
    ) async throws -> UploadSummary {
        let lease = ReaderLease(layout: archive.layout)
        defer { withExtendedLifetime(lease) {} }
        let (index, targetID) = (archive.index, targetID)
        let candidates = try await BlockingIO.run {
            try index.uploadCandidates(targetID: targetID, instance: instance, topic: topic, range: range, unfinishedOnly: false)
        }
        return try await upload(candidates, checkFirst: { _ in true }, dryRun: dryRun, progress: progress)
    }

    private func upload(
        _ candidates: [UploadCandidate], checkFirst: (UploadCandidate) -> Bool, dryRun: Bool,
        progress: (@Sendable (UploadProgress) -> Void)?
    ) async throws -> UploadSummary {
        var summary = UploadSummary()
        var firstError: (any Error)?
        var done = 0
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var next = candidates.makeIterator()
            func launch() -> Bool {
                guard firstError == nil, let candidate = next.next() else { return false }
                let check = checkFirst(candidate)
                group.addTask { await self.upload(candidate, checkFirst: check, dryRun: dryRun) }
                return true
            }
            for _ in 0..<max(1, options.files) where launch() {}
            while let outcome = try await group.next() {
                done += 1
                switch outcome {
                case .uploaded(let bytes):
                    summary.objects += 1
                    summary.bytes += bytes
                    summary.manifests += 1
                case .skipped:
                    summary.skipped += 1
                    if !dryRun { summary.manifests += 1 }
                case .manifestOnly:
                    summary.manifests += 1
                case .wouldUpload(let key):
                    summary.wouldUpload.append(key)
                case .failed(let error):
                    summary.failed += 1
                    firstError = firstError ?? error
                }
                progress?(UploadProgress(done: done, total: candidates.count, bytes: summary.bytes))
                _ = launch()
            }
        }
        if let firstError { throw firstError }
        // Outcomes arrive in completion order; a dry run's listing must not depend on it.
        summary.wouldUpload.sort()
        return summary
    }

    private enum Outcome: Sendable {
        /// The object and its manifest went up.
        case uploaded(Int64)
        /// The object was there already (its manifest is written unless in a dry run).
        case skipped
        /// Only the manifest of an object confirmed earlier went up.
        case manifestOnly
        case wouldUpload(String)
        case failed(any Error)
    }

    /// The object, then its manifest: a manifest present means its object is complete.
    private func upload(_ candidate: UploadCandidate, checkFirst: Bool, dryRun: Bool) async -> Outcome {
        let file = candidate.file
        if file.splitPartition != nil {
            // A target recorded before its topic was split, with a template that does not
            // say where the partition goes (the open-time check's last guard).
            do { try options.template.requireSplitKeys() } catch { return .failed(error) }
        }
        let manifestOnly = !dryRun && candidate.state == .uploaded && !candidate.hasManifest
        // A confirmed object keeps the key it was confirmed under.
        let key = (manifestOnly ? candidate.key : nil)
            ?? options.template.key(for: file, partitions: candidate.partitions, worker: candidate.worker ?? anonymousWorker)
        let outcome = manifestOnly ? .manifestOnly : await uploadObject(candidate, key: key, checkFirst: checkFirst, dryRun: dryRun)
        switch outcome {
        case .uploaded, .skipped, .manifestOnly:
            guard !dryRun else { return outcome }
            do {
                try await putManifest(of: file, objectKey: key)
            } catch where Task.isCancelled {
                return .failed(CancellationError())
            } catch {
                logger.error("cannot upload the manifest of \(file.path): \(error)")
                return .failed(error)
            }
            return outcome
        case .wouldUpload, .failed:
            return outcome
        }
    }

    /// Writes `<objectKey>.manifest.json`, create-only; one already there with the same
    /// bytes counts as written.
    private func putManifest(of file: WindowFile, objectKey: String) async throws {
        let index = archive.index
        let manifest = try await BlockingIO.run { try index.manifest(of: file) }
        let payload = ObjectPayload(bytes: try manifest.encoded())
        let key = WindowManifest.key(forObject: objectKey)
        let etag: String
        do {
            // A store without create-only writes is asked first.
            if !store.target.conditionalWrites, try await store.headObject(key: key) != nil {
                throw ObjectStoreError(.alreadyExists)
            }
            etag = try await store.putObject(key: key, payload: payload, metadata: [:], ifAbsent: store.target.conditionalWrites)
        } catch let error as ObjectStoreError where error.code == .alreadyExists {
            guard try await store.headObject(key: key)?.etag == payload.md5Hex else { throw manifestCollision(key: key, file: file) }
            etag = payload.md5Hex
        }
        let targetID = targetID
        try await BlockingIO.run { try index.setManifestUploaded(fileID: file.id, targetID: targetID, etag: etag) }
    }

    private func manifestCollision(key: String, file: WindowFile) -> SedimentError {
        SedimentError(
            .objectCollision,
            "\(store.target.fullKeyDescription(key)) already holds another manifest than that of window \(file.path); it was not replaced",
            context: ["key": key, "path": file.path])
    }

    private func uploadObject(_ candidate: UploadCandidate, key: String, checkFirst: Bool, dryRun: Bool) async -> Outcome {
        let file = candidate.file
        // A run cut short mid-part leaves an open multipart upload of this key; only a
        // multipart completion sweeps it, so a skip or a single PUT must do it here.
        let mayHaveLeftUploads = !dryRun && candidate.state?.mayHaveReachedStore == true
        do {
            // The key may hold this file already (a lost reply, a reupload) or another one,
            // which is never replaced.
            if checkFirst, let found = try await sameObject(at: key, as: candidate) {
                if !dryRun {
                    try await record(file, key: key, .uploaded, etag: found.etag)
                }
                if mayHaveLeftUploads { await uploader.sweepStaleUploads(key: key) }
                return .skipped
            }
            if dryRun { return .wouldUpload(key) }
            try await record(file, key: key, .uploading)
            let started = ContinuousClock.now
            let uploaded: UploadedObject
            do {
                uploaded = try await uploader.upload(
                    file: archive.layout.root + "/" + file.path, to: key, metadata: metadata(of: file),
                    known: .init(md5: file.md5, sha256: file.sha256))
            } catch let error as ObjectStoreError where error.code == .alreadyExists {
                // Written meanwhile: by a retry of ours whose reply was lost, or by someone else.
                guard let found = try await sameObject(at: key, as: candidate) else { throw error }
                try await record(file, key: key, .uploaded, etag: found.etag)
                return .skipped
            }
            // The recorded checksums go with the upload: a single PUT carries them (the store
            // refuses other bytes), parts carry their own MD5s; the size is checked here.
            guard uploaded.size == file.size else {
                throw SedimentError(
                    .corruptSegment,
                    "window file \(file.path) is \(uploaded.size) bytes, the index recorded \(file.size): not uploaded",
                    context: ["path": file.path])
            }
            try await record(file, key: key, .uploaded, etag: uploaded.etag)
            if mayHaveLeftUploads && uploaded.partCount == 1 { await uploader.sweepStaleUploads(key: key) }
            PipelineMetrics.windowUploaded(topic: file.topic, bytes: file.size, in: .now - started)
            PipelineMetrics.succeeded(.upload)
            logger.debug("uploaded", metadata: ["key": "\(key)", "bytes": "\(file.size)"])
            return .uploaded(file.size)
        } catch where Task.isCancelled {
            // Cut short (a shutdown's time ran out), not refused: the window stays as it was
            // recorded, `uploading` at most, and the next pass looks it up in the store.
            return .failed(CancellationError())
        } catch {
            logger.error("cannot upload \(file.path): \(error)")
            if !dryRun {
                PipelineMetrics.uploadFailed(topic: file.topic)
                try? await record(file, key: key, .failed, error: "\(error)")
            }
            return .failed(error)
        }
    }

    /// Records the file's state for this target, off the cooperative pool.
    private func record(_ file: WindowFile, key: String, _ state: UploadState, etag: String? = nil, error: String? = nil) async throws {
        let (index, targetID, now) = (archive.index, targetID, options.now())
        try await BlockingIO.run {
            try index.setUploadState(fileID: file.id, targetID: targetID, key: key, state, etag: etag, error: error, at: now)
        }
    }

    /// The object at `key` if it holds this window file; nil if there is none; a collision
    /// error, naming both windows, if it holds anything else.
    private func sameObject(at key: String, as candidate: UploadCandidate) async throws -> ObjectInfo? {
        let file = candidate.file
        switch try await uploader.existingObject(key: key, sha256: file.sha256, md5: file.md5, size: file.size) {
        case .none: return nil
        case .same(let info): return info
        case .other(let info): throw collision(key: key, file: file, existing: info)
        }
    }

    /// What an object says about where it came from: its SHA-256 (which `existingObject`
    /// compares) and its window, so that a collision can name both sides.
    private func metadata(of file: WindowFile) -> [String: String] {
        let source = "\(archiveID):\(file.path)"
        return [
            "sha256": file.sha256,
            "sediment-source": source.addingPercentEncoding(withAllowedCharacters: Self.headerSafe) ?? source,
        ]
    }

    private static let headerSafe: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("%")
        return allowed
    }()

    private func collision(key: String, file: WindowFile, existing: ObjectInfo) -> SedimentError {
        var other = "an object Sediment did not write"
        if let source = existing.metadata["sediment-source"].map({ $0.removingPercentEncoding ?? $0 }),
            let colon = source.firstIndex(of: ":") {
            other = "window \(source[source.index(after: colon)...]) of archive \(source[..<colon])"
        }
        let sha = existing.metadata["sha256"].map { "SHA-256 \($0)" } ?? "ETag \(existing.etag)"
        return SedimentError(
            .objectCollision,
            "\(store.target.fullKeyDescription(key)) already holds \(other) (\(existing.size) bytes, \(sha)); "
                + "window \(file.path) of this archive (\(file.size) bytes, SHA-256 \(file.sha256)) would replace it, so it was not uploaded. "
                + "Give each dump worker its own name (`worker`), or each its own keys (`keyTemplate` with {worker}).",
            context: ["key": key, "path": file.path])
    }
}

extension WindowUploader {
    /// Runs `body`, then shuts the store's connections down, whatever `body` did: an HTTP
    /// client must be shut down before it goes away.
    public func closingStore<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await store.closing(body)
    }
}
