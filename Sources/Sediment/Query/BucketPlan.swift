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
    /// Whether messages may come from two tiers at once, so the cursor drops repeats.
    var overlapsLocal = false

    static func make(
        session: BucketSession, index: ArchiveIndex, instance: String, topic: String, range: Range<Int64>,
        snapshot: QuerySnapshot, remoteOnly: [RemoteOnlyWindow]
    ) throws -> BucketPlan {
        var plan = BucketPlan()
        // Files the listing reads already, by content.
        var listed: Set<String> = []
        if let target = session.target {
            (plan, listed) = try listing(target, session: session, index: index, instance: instance, topic: topic, range: range)
            plan.overlapsLocal = plan.overlapsLocal || !remoteOnly.isEmpty
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
            } else if let copy = file.copies.first(where: { $0.uri == session.target?.uri }) ?? file.copies.first {
                location = .remote(uri: copy.uri, key: copy.key)
            } else {
                plan.unreadable += remoteOnly.filter { $0.windowStart == file.windowStart && $0.path == file.path }
                continue
            }
            if !file.exclusive { plan.overlapsLocal = true }
            plan.members += file.members.map { TierMember(location: location, member: $0, exclusive: file.exclusive) }
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
        let windows = try BucketSession.wait { try await catalog.windows(instance: instance, topic: topic, range: range) }
        var plan = BucketPlan()
        var missingManifests: [String] = []
        for window in windows where window.instance == nil || window.instance == instance {
            guard let manifest = window.manifest else {
                missingManifests.append(window.key)
                continue
            }
            if try index.holdsLocalFile(instance: instance, topic: topic, windowStart: manifest.windowStart, sha256: manifest.sha256) {
                continue
            }
            let exclusive = try !index.holdsAnyOffset(
                instance: instance, topic: topic, of: manifest.partitions.map { ($0.partition, $0.firstOffset, $0.lastOffset) })
            if !exclusive { plan.overlapsLocal = true }
            for (ordinal, member) in manifest.members.enumerated()
            where member.maxTimestamp >= range.lowerBound && member.minTimestamp < range.upperBound {
                plan.members.append(TierMember(
                    location: .remote(uri: target.uri, key: window.key),
                    member: MemberRow(
                        fileID: 0, ordinal: ordinal, minTimestamp: member.minTimestamp, maxTimestamp: member.maxTimestamp,
                        position: member.offset, length: member.length, inputSize: member.inputSize, count: member.count),
                    exclusive: exclusive))
            }
        }
        if !missingManifests.isEmpty {
            throw SedimentError(
                .notFound,
                "\(missingManifests.count) window object\(missingManifests.count == 1 ? "" : "s") of topic '\(topic)' in \(target.uri) "
                    + "meeting the range \(missingManifests.count == 1 ? "has" : "have") no manifest, so the query cannot tell which bytes to read: "
                    + missingManifests.prefix(5).joined(separator: ", ")
                    + ". `sediment upload` writes the manifests of windows this archive uploaded; `sediment restore` reads any window whole.",
                context: ["topic": topic])
        }
        return (plan, Set(windows.compactMap { $0.manifest?.sha256 }))
    }
}
