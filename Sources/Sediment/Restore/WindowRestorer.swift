import Foundation
import Logging
import SedimentObjectStore

/// Brings window objects back from a bucket into an archive, as local windows a query,
/// `reupload` and replay read like any other.
///
/// Each object is streamed to a temporary file beside its place in `windows/`, checked
/// against its manifest's size and SHA-256, renamed into place and only then recorded.
/// A window is recorded whole (every part the bucket holds) or not at all, so the index
/// never claims offsets that are not on disk. Windows the archive holds already are
/// skipped; files local retention deleted come back once they match the index.
public final class WindowRestorer: Sendable {
    public struct Options: Sendable {
        public var template: KeyTemplate
        /// Objects downloaded at once. Default 8.
        public var concurrency = 8
        /// Objects larger than this come down in ranges, `rangesPerObject` at once, each of
        /// `rangeSize` bytes written to its place in the file. Defaults 64 MiB, 4, 16 MiB.
        public var rangedAbove: Int64 = 64 << 20
        public var rangesPerObject = 4
        public var rangeSize: Int64 = 16 << 20
        public var now: @Sendable () -> Int64 = WallClock.nowMilliseconds

        public init(template: KeyTemplate) { self.template = template }
    }

    public let archive: Archive
    public let store: any ObjectStore
    public let options: Options
    private let lock: ArchiveLock
    private let logger: Logger

    /// Opens (creating it if missing) the archive at `path`. Restore takes the compaction
    /// lock: a compactor and a restore never write the same window.
    public init(archive path: String, store: any ObjectStore, options: Options, logger: Logger) throws {
        let layout = ArchiveLayout(root: path)
        try ArchiveWriter.check(layout, options: ArchiveOptions())
        try FileSystem.createDirectories(layout.root)
        lock = try ArchiveLock(path: layout.compactionLockPath, holder: "compactor (sediment compact, dump with compaction, or restore)")
        archive = Archive(layout: layout, index: try ArchiveIndex.openForWriting(path: layout.databasePath, durable: true), logger: logger)
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// Restores the windows of `topic` that meet `range`. `instance` may be left out when
    /// the bucket holds the topic from one instance only.
    public func restore(
        instance: String?, topic: String, range: Range<Int64>, progress: (@Sendable (RestoreProgress) -> Void)? = nil
    ) async throws -> RestoreSummary {
        let catalog = BucketCatalog(store: store, template: options.template)
        let listing = try await catalog.windows(instance: instance, topic: topic, range: range)
        var summary = RestoreSummary()
        summary.windows = listing.windows.count
        summary.unmatchedKeys = listing.unmatchedKeys
        let tally = Tally(total: listing.windows.count, progress: progress)
        var usable: [BucketWindow] = []
        for window in listing.windows {
            if let problem = window.problem {
                summary.failures.append(RestoreFailure(key: window.key, reason: problem))
                tally.advance(bytes: 0)
            } else {
                usable.append(window)
            }
        }
        let groups = Dictionary(grouping: usable) { WindowID(instance: $0.instance ?? instance ?? "", windowStart: $0.windowStart) }
            .sorted { ($0.key.windowStart, $0.key.instance) < ($1.key.windowStart, $1.key.instance) }
        // A window without a manifest is taken to be like most of the others of its topic.
        let shapes = usable.compactMap { $0.manifest.map(FetchedWindow.Shape.init(of:)) }
        let shape = Dictionary(shapes.map { ($0, 1) }, uniquingKeysWith: +).max { $0.value < $1.value }?.key
        // The first window alone, since the first one a new topic gets sets its settings;
        // then the others in order of time, `concurrency` at once.
        let width = max(1, options.concurrency)
        let batches = groups.isEmpty ? [] : [Array(groups.prefix(1))] + stride(from: 1, to: groups.count, by: width).map {
            Array(groups[$0..<min($0 + width, groups.count)])
        }
        for batch in batches {
            let outcomes = try await batch.concurrentMap(limit: batch.count) { group in
                try await self.restoreWindow(group.key, group.value, topic: topic, shape: shape, tally: tally)
            }
            for outcome in outcomes { summary.add(outcome) }
        }
        return summary
    }

    struct WindowID: Hashable {
        var instance: String
        var windowStart: Int64
    }

    /// One window's objects fetched and checked. Files the archive holds are skipped (or
    /// brought back, when retention deleted them); the others are recorded together, as
    /// the parts after the ones it holds, if every one is good.
    private func restoreWindow(
        _ id: WindowID, _ objects: [BucketWindow], topic: String, shape: FetchedWindow.Shape?, tally: Tally
    ) async throws -> RestoreSummary {
        var outcome = RestoreSummary()
        guard !id.instance.isEmpty else {
            for object in objects {
                tally.advance(bytes: 0)
                outcome.failures.append(RestoreFailure(key: object.key, reason: "neither the key nor a manifest names the instance: give `instance`"))
            }
            return outcome
        }
        let index = archive.index
        let root = archive.layout.root
        let held = try await BlockingIO.run { try index.heldFiles(instance: id.instance, topic: topic, windowStart: id.windowStart) }
        // Per file series (split partition; nil: every partition), the part a new file gets.
        var nextPart = Dictionary(held.map { ($0.splitPartition, $0.part) }, uniquingKeysWith: max).mapValues { $0 + 1 }
        var fetched: [FetchedWindow] = []
        var failed = false
        // In the catalog's order, which grouping kept: series, then part.
        for object in objects {
            var file = held.first { $0.sha256 == object.manifest?.sha256 }
            if let file, !file.locallyDeleted {
                outcome.skipped += 1
                tally.advance(bytes: 0)
                continue
            }
            let series = file?.splitPartition ?? object.splitPartition
            let part = file?.part ?? nextPart[series] ?? 1
            let relative = file?.path ?? ArchiveLayout.windowFilePath(
                instance: id.instance, topic: topic, windowStart: id.windowStart, splitPartition: series, part: part,
                format: object.fields.format, compression: object.fields.compression)
            do {
                var window = try await fetch(object, to: relative, instance: id.instance, topic: topic, shape: shape)
                window.part = part
                window.splitPartition = series
                tally.advance(bytes: window.size)
                if file == nil, let same = held.first(where: { $0.sha256 == window.sha256 }) {
                    // Without a manifest, only the bytes tell which held file this is.
                    file = same
                    window.relativePath = same.path
                    window.part = same.part
                    window.splitPartition = same.splitPartition
                    if !same.locallyDeleted {
                        window.discard(root: root)
                        outcome.skipped += 1
                        continue
                    }
                }
                if let file {
                    try await BlockingIO.run { [window] in
                        try window.install(root: root)
                        try index.clearLocalDeletion(fileID: file.id)
                    }
                    outcome.broughtBack += 1
                    outcome.bytes += window.size
                } else {
                    fetched.append(window)
                    nextPart[series] = part + 1
                }
            } catch {
                tally.advance(bytes: 0)
                failed = true
                outcome.failures.append(RestoreFailure(key: object.key, reason: Self.reason(error)))
            }
        }
        guard !fetched.isEmpty else { return outcome }
        if failed {
            // Recording the rest would claim the window's offsets without all of its files.
            for window in fetched {
                window.discard(root: root)
                outcome.failures.append(RestoreFailure(key: window.key, reason: "not indexed: another file of its window failed"))
            }
            return outcome
        }
        let now = options.now()
        do {
            try await BlockingIO.run { [fetched] in
                var installed: [FetchedWindow] = []
                do {
                    for window in fetched {
                        try window.install(root: root)
                        installed.append(window)
                    }
                    try index.recordRestored(
                        fetched.map { $0.record(writtenAt: now) }, level: fetched[0].level, windowTime: fetched[0].windowTime, now: now)
                } catch {
                    // Off the disk as well as out of the index: nothing unrecorded stays.
                    for window in installed { window.uninstall(root: root) }
                    throw error
                }
            }
        } catch {
            for window in fetched {
                window.discard(root: root)
                outcome.failures.append(RestoreFailure(key: window.key, reason: Self.reason(error)))
            }
            return outcome
        }
        outcome.restored += fetched.count
        outcome.rebuilt += fetched.filter(\.rebuilt).count
        outcome.bytes += fetched.reduce(0) { $0 + $1.size }
        outcome.messages += fetched.reduce(0) { $0 + $1.count }
        return outcome
    }

    /// Downloads `object` beside `relative` and checks it; a window without a manifest is
    /// read through to find its members.
    private func fetch(
        _ object: BucketWindow, to relative: String, instance: String, topic: String, shape: FetchedWindow.Shape?
    ) async throws -> FetchedWindow {
        let final = archive.layout.root + "/" + relative
        let temporary = FileSystem.parentDirectory(final) + "/." + (final as NSString).lastPathComponent + ".restore"
        try await BlockingIO.run {
            try FileSystem.createDirectories(FileSystem.parentDirectory(final))
            // What a restore killed here left: the download's own temporaries included.
            let stem = (temporary as NSString).lastPathComponent
            for name in FileSystem.contents(of: FileSystem.parentDirectory(final)) where name.hasPrefix(stem) {
                try FileSystem.remove(FileSystem.parentDirectory(final) + "/" + name)
            }
        }
        let downloaded = object.object.size > options.rangedAbove
            ? try await downloadInRanges(object, to: temporary)
            : try await store.downloadObject(key: object.key, range: nil, to: temporary, computingSHA256: true)
        let size = downloaded.bytes
        do {
            // The MD5 the index keeps is the manifest's once the SHA-256 matches; without a
            // manifest, the file is read again for it.
            let md5: String
            if let manifest = object.manifest {
                md5 = manifest.md5
            } else {
                md5 = try await ObjectPayload.file(path: temporary, withSHA256: false).md5Hex
            }
            var window = FetchedWindow(
                key: object.key, relativePath: relative, temporaryPath: temporary, size: size, md5: md5,
                sha256: downloaded.sha256 ?? "", instance: instance, topic: topic, format: object.fields.format,
                compression: object.fields.compression)
            if let manifest = object.manifest {
                guard size == manifest.size, window.sha256 == manifest.sha256 else {
                    throw Mismatch(
                        "checksum mismatch: the object has \(size) bytes with SHA-256 \(window.sha256), its manifest says \(manifest.size) bytes with \(manifest.sha256)")
                }
                window.describe(with: manifest)
            } else {
                // The uploader stores the SHA-256 as metadata: without a manifest, it is what
                // tells a complete object from one cut short at a member's end.
                if let recorded = try await store.headObject(key: object.key)?.metadata["sha256"], recorded != window.sha256 {
                    throw Mismatch("checksum mismatch: the object has \(size) bytes with SHA-256 \(window.sha256), its sha256 metadata says \(recorded)")
                }
                window = try await BlockingIO.run { [window] in
                    var described = window
                    try described.describeByReading(windowStart: object.windowStart, shape: shape)
                    return described
                }
            }
            return window
        } catch {
            try? FileSystem.remove(temporary)
            throw error
        }
    }

    /// A large object in concurrent ranged GETs, each written at its place in the
    /// temporary file; then the file is synced and hashed (from the page cache).
    private func downloadInRanges(_ object: BucketWindow, to temporary: String) async throws -> DownloadedObject {
        let size = object.object.size
        let step = max(1, options.rangeSize)
        try await BlockingIO.run { try FileSystem.remove(temporary); _ = try SystemFile.openForAppending(temporary, create: true) }
        do {
            let ranges = stride(from: Int64(0), to: size, by: Int(step)).map { $0...(min($0 + step, size) - 1) }
            let store = self.store
            let written = try await ranges.concurrentMap(limit: options.rangesPerObject) { range in
                try await store.downloadRange(key: object.key, range: range, intoFile: temporary)
            }
            let sha256 = try await BlockingIO.run {
                try SystemFile.openForAppending(temporary, create: false).synchronize()
                return try FileDigest.sha256(of: temporary)
            }
            return DownloadedObject(bytes: written.reduce(0, +), sha256: sha256)
        } catch {
            try? FileSystem.remove(temporary)
            throw error
        }
    }

    static func reason(_ error: any Error) -> String {
        if let mismatch = error as? Mismatch { return mismatch.reason }
        return "\(error)"
    }

    struct Mismatch: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Counts windows done for the progress line, from concurrent downloads.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var done = 0
        private var bytes: Int64 = 0
        private let total: Int
        private let progress: (@Sendable (RestoreProgress) -> Void)?

        init(total: Int, progress: (@Sendable (RestoreProgress) -> Void)?) {
            self.total = total
            self.progress = progress
        }

        func advance(bytes more: Int64) {
            let now = lock.withLock { () -> RestoreProgress in
                done += 1
                bytes += more
                return RestoreProgress(done: done, total: total, bytes: bytes)
            }
            progress?(now)
        }
    }
}

extension RestoreSummary {
    mutating func add(_ other: RestoreSummary) {
        restored += other.restored
        broughtBack += other.broughtBack
        skipped += other.skipped
        rebuilt += other.rebuilt
        bytes += other.bytes
        messages += other.messages
        failures += other.failures
    }
}
