import SedimentObjectStore

/// The members a query reads from buckets, decided when its cursor opens.
///
/// The windows local retention deleted and whose segments are gone too are read from where
/// the index says they were uploaded: their files still on disk locally, the others from
/// the bucket, with the members the index kept. With a target of its own, the query first
/// lists that bucket and reads every window of the range there from its manifest, except
/// files the archive holds with the same bytes; the index's copies serve what it lacks.
struct BucketPlan {
    var members: [TierMember] = []
    /// Windows no tier can serve: deleted locally, segments gone, and no copy to read.
    var unreadable: [RemoteOnlyWindow] = []
    /// Bytes of the manifests read to make the plan.
    var manifestBytes: Int64 = 0

    static func make(
        session: BucketSession, index: ArchiveIndex, instance: String, topic: String, range: Range<Int64>,
        snapshot: QuerySnapshot, remoteOnly: [RemoteOnlyWindow]
    ) throws -> BucketPlan {
        var plan = BucketPlan()
        // Files the listing reads already, by content.
        var listed: Set<String> = []
        if let target = session.target {
            (plan, listed) = try listing(target, session: session, index: index, instance: instance, topic: topic, range: range)
        }
        guard !remoteOnly.isEmpty else { return plan }
        let starts = Array(Set(remoteOnly.map(\.windowStart))).sorted()
        let files = try index.tierFiles(
            instance: instance, topic: topic, windowStarts: starts, range: range, maxMemberSpan: snapshot.maxMemberSpan,
            maxFileID: snapshot.maxFileID)
        for file in files where !(file.locallyDeleted && listed.contains(file.sha256)) {
            let location: TierMember.Location
            if !file.locallyDeleted {
                location = .local(path: file.path)
            } else if let copy = file.copies.first(where: { ObjectTarget.canonicalURI($0.uri) == session.target.map { ObjectTarget.canonicalURI($0.uri) } })
                ?? file.copies.first {
                location = .remote(uri: copy.uri, key: copy.key)
            } else {
                plan.unreadable += remoteOnly.filter { $0.windowStart == file.windowStart && $0.path == file.path }
                continue
            }
            // An ingest-time window may hold a message another window holds too (consumed
            // twice, hours apart): its counts never stand for its messages.
            let exclusive = file.exclusive && snapshot.schedule?.current.windowTime != .ingest
            plan.members += file.members.map { TierMember(location: location, member: $0, compression: file.compression, exclusive: exclusive) }
        }
        return plan
    }

    /// Every window of the range in the target's bucket, from its manifest; with the
    /// SHA-256 of each window listed.
    private static func listing(
        _ target: BucketSession.Target, session: BucketSession, index: ArchiveIndex, instance: String, topic: String,
        range: Range<Int64>
    ) throws -> (BucketPlan, Set<String>) {
        let store = try session.store(for: target.uri)
        let catalog = BucketCatalog(store: store, template: target.template)
        let listing = try BucketSession.wait { try await catalog.windows(instance: instance, topic: topic, range: range) }
        var plan = BucketPlan()
        plan.manifestBytes = listing.manifestBytes
        var unusable: [String] = []
        var usable: [(key: String, manifest: WindowManifest)] = []
        for window in listing.windows where window.instance == nil || window.instance == instance {
            guard let manifest = window.manifest else {
                unusable.append(window.key + (window.problem.map { " (\($0))" } ?? " (no manifest)"))
                continue
            }
            if try index.holdsLocalFile(instance: instance, topic: topic, windowStart: manifest.windowStart, sha256: manifest.sha256) {
                continue
            }
            usable.append((window.key, manifest))
        }
        if !unusable.isEmpty {
            throw SedimentError(
                .notFound,
                "\(unusable.count) window object\(unusable.count == 1 ? "" : "s") of topic '\(topic)' in \(target.uri) meeting the range "
                    + "cannot be read from \(unusable.count == 1 ? "its manifest" : "their manifests"), so the query cannot tell which bytes to read: "
                    + unusable.prefix(5).joined(separator: ", ")
                    + ". `sediment upload` writes the manifests of windows this archive uploaded; `sediment restore` reads any window whole.",
                context: ["topic": topic])
        }
        // Unread counts need a window no other tier holds, nor another object of the bucket
        // (two workers, or a re-consumption, can have put the same offsets in two).
        let shared = overlapping(usable.map(\.manifest))
        for (position, (key, manifest)) in usable.enumerated() {
            let ranges = manifest.partitions.map { ($0.partition, $0.firstOffset, $0.lastOffset) }
            let exclusive = try !shared.contains(position) && manifest.windowTime != WindowSettings.WindowTime.ingest.rawValue
                && !index.holdsAnyOffset(instance: instance, topic: topic, of: ranges)
            for (ordinal, member) in manifest.members.enumerated()
            where member.maxTimestamp >= range.lowerBound && member.minTimestamp < range.upperBound {
                plan.members.append(TierMember(
                    location: .remote(uri: target.uri, key: key),
                    member: MemberRow(
                        fileID: 0, ordinal: ordinal, minTimestamp: member.minTimestamp, maxTimestamp: member.maxTimestamp,
                        position: member.offset, length: member.length, inputSize: member.inputSize, count: member.count),
                    compression: manifest.compression, exclusive: exclusive))
            }
        }
        return (plan, Set(listing.windows.compactMap { $0.manifest?.sha256 }))
    }

    /// The manifests (by position) holding an offset another one holds too: per partition,
    /// the ranges in order of their first offsets, each against the furthest reach before it.
    private static func overlapping(_ manifests: [WindowManifest]) -> Set<Int> {
        var byPartition: [Int32: [(first: Int64, last: Int64, owner: Int)]] = [:]
        for (owner, manifest) in manifests.enumerated() {
            for partition in manifest.partitions {
                byPartition[partition.partition, default: []].append((partition.firstOffset, partition.lastOffset, owner))
            }
        }
        var shared: Set<Int> = []
        for ranges in byPartition.values {
            var reach: (last: Int64, owner: Int)?
            for range in ranges.sorted(by: { $0.first < $1.first }) {
                if let furthest = reach, range.first <= furthest.last, furthest.owner != range.owner {
                    shared.insert(range.owner)
                    shared.insert(furthest.owner)
                }
                if range.last > reach?.last ?? .min { reach = (range.last, range.owner) }
            }
        }
        return shared
    }
}
