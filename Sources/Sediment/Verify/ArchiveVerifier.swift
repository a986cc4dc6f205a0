import SedimentObjectStore

/// Checks an archive against its index, and a target against the archive:
///
/// - every segment record's CRC, and the index's blocks against the records they cover
///   (byte ranges, counts, offsets, times), offsets increasing per partition, with the
///   gaps between them reported as `OffsetGap`s;
/// - every window file still on disk: its size and SHA-256 as recorded;
/// - with a target, every window the index records as uploaded there: the object's size,
///   ETag and SHA-256 metadata (with `deep`, its bytes), and its manifest.
///
/// It reads, and records nothing. Like a query it holds a `ReaderLease`, so retention
/// deletes no file under it; a writer may go on appending, and what it commits after a
/// partition was read is left for the next run.
public struct ArchiveVerifier: Sendable {
    public struct Options: Sendable {
        /// Download every object and hash it, rather than trust the store's size, ETag
        /// and metadata. Default false.
        public var deep = false
        /// Objects checked at once. Default 8.
        public var concurrency = 8

        public init() {}
    }

    /// A store to check, with the URI it was uploaded to (as the index records it, or
    /// naming the same bucket and prefix).
    public struct Target: Sendable {
        public var uri: String
        public var store: any ObjectStore

        public init(uri: String, store: any ObjectStore) {
            self.uri = uri
            self.store = store
        }
    }

    public let archive: Archive
    public let target: Target?
    public let options: Options

    public init(archive: Archive, target: Target? = nil, options: Options = Options()) {
        self.archive = archive
        self.target = target
        self.options = options
    }

    /// Runs every check, handing each finding to `report` as it is found, in a stable
    /// order (partitions, then window files, then objects, each as the index sorts them).
    /// Throws only when it cannot check (an unreadable index, an unknown target, a store
    /// that fails): what it found wrong is in the findings and the summary.
    public func run(_ report: (VerifyFinding) async throws -> Void) async throws -> VerifySummary {
        let lease = ReaderLease(layout: archive.layout)
        defer { withExtendedLifetime(lease) {} }
        let index = archive.index
        let targets = try await BlockingIO.run { try index.uploadTargets() }
        let targetID = try target.map { try Self.resolve($0, among: targets) }
        var summary = VerifySummary()
        summary.target = target?.uri
        summary.deep = options.deep && target != nil
        if target == nil { summary.uncheckedTargets = targets.map(\.uri) }
        // Counted apart from `summary`, which the passes below hold while they report.
        var counts = VerifySummary()
        func found(_ finding: VerifyFinding) async throws {
            switch finding {
            case .problem: counts.problems += 1
            case .gap(let gap):
                counts.gaps += 1
                counts.absentOffsets += gap.count
            }
            try await report(finding)
        }
        try await verifySegments(&summary, found)
        let changedFiles = try await verifyWindowFiles(&summary, found)
        if let target, let targetID {
            let bucket = BucketVerifier(
                layout: archive.layout, index: index, store: target.store, deep: options.deep, changedFiles: changedFiles)
            try await verifyBucket(bucket, targetID: targetID, &summary, found)
        }
        summary.problems = counts.problems
        summary.gaps = counts.gaps
        summary.absentOffsets = counts.absentOffsets
        return summary
    }

    private func verifySegments(_ summary: inout VerifySummary, _ found: (VerifyFinding) async throws -> Void) async throws {
        let (layout, index) = (archive.layout, archive.index)
        for partition in try await BlockingIO.run({ try index.verifyPartitions() }) {
            let verifier = SegmentVerifier(layout: layout, index: index, partition: partition)
            var previous: Int64?
            for segment in partition.segments {
                let outcome = try await BlockingIO.run { [previous] in try verifier.check(segment, after: previous) }
                summary.segments += 1
                summary.segmentBytes += outcome.bytes
                summary.records += outcome.records
                for finding in outcome.findings { try await found(finding) }
                previous = outcome.previousOffset
            }
            if let last = partition.segments.last, let gap = verifier.trailingGap(after: previous, lastSegment: last) {
                try await found(.gap(gap))
            }
        }
    }

    /// Returns the ids of the files found changed.
    private func verifyWindowFiles(_ summary: inout VerifySummary, _ found: (VerifyFinding) async throws -> Void) async throws -> Set<Int64> {
        let verifier = WindowFileVerifier(layout: archive.layout, index: archive.index)
        let index = archive.index
        var changed: Set<Int64> = []
        for file in try await BlockingIO.run({ try index.windowFiles() }) {
            guard !file.locallyDeleted else {
                summary.windowFilesDeletedLocally += 1
                continue
            }
            let outcome = try await BlockingIO.run { try verifier.check(file) }
            summary.windowFiles += 1
            summary.windowBytes += outcome.bytes
            if let problem = outcome.problem {
                changed.insert(file.id)
                try await found(.problem(problem))
            }
        }
        return changed
    }

    /// Several objects at once, findings reported in the index's order all the same.
    private func verifyBucket(
        _ verifier: BucketVerifier, targetID: Int64, _ summary: inout VerifySummary, _ found: (VerifyFinding) async throws -> Void
    ) async throws {
        let index = archive.index
        let windows = try await BlockingIO.run { try index.uploadedWindows(targetID: targetID) }
        let concurrency = max(1, options.concurrency)
        try await withThrowingTaskGroup(of: (Int, BucketVerifier.Outcome).self) { group in
            var next = 0
            func launch() {
                guard next < windows.count else { return }
                let (position, window) = (next, windows[next])
                group.addTask { (position, try await verifier.check(window)) }
                next += 1
            }
            for _ in 0..<concurrency { launch() }
            var waiting: [Int: BucketVerifier.Outcome] = [:]
            var reported = 0
            while let (position, outcome) = try await group.next() {
                waiting[position] = outcome
                while let ready = waiting.removeValue(forKey: reported) {
                    summary.objects += 1
                    summary.manifests += 1
                    summary.objectBytesRead += ready.bytesRead
                    for problem in ready.problems { try await found(.problem(problem)) }
                    reported += 1
                }
                launch()
            }
        }
    }

    /// The recorded target `target` names: its URI as recorded, or one that parses to the
    /// same bucket, prefix and endpoint.
    static func resolve(_ target: Target, among recorded: [(id: Int64, uri: String)]) throws -> Int64 {
        if let exact = recorded.first(where: { ObjectTarget.canonicalURI($0.uri) == ObjectTarget.canonicalURI(target.uri) }) { return exact.id }
        if let same = recorded.first(where: { (try? ObjectTarget(parsing: $0.uri)) == target.store.target }) { return same.id }
        let known = recorded.isEmpty ? "it records no target at all" : "it records " + recorded.map(\.uri).joined(separator: ", ")
        throw SedimentError(
            .notFound, "the archive has uploaded nothing to \(target.uri): \(known)", context: ["target": target.uri])
    }
}
