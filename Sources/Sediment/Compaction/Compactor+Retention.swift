extension Compactor {
    /// Applies `policy` to one topic. Nothing is deleted while a cursor is open, in any
    /// process (`ReaderLease`): a query must find the files its snapshot promised, so the
    /// next run tries again. Segments are judged by the compaction positions recorded by
    /// the previous run (`compactedBelow` of the run's snapshot), not this one's.
    func applyRetention(_ policy: RetentionPolicy, snapshot: CompactionSnapshot, schedule: WindowSchedule, now: Int64) throws -> (segments: Int, windowFiles: Int) {
        guard policy.deleteCompactedSegments || policy.localWindowRetention != nil else { return (0, 0) }
        guard let exclusive = try ArchiveLock.ifFree(path: archive.layout.readersLockPath) else {
            logger.debug("a query is reading the archive: deletions wait for the next run", metadata: ["topic": "\(snapshot.topic)"])
            return (0, 0)
        }
        return try withExtendedLifetime(exclusive) {
            var segments = 0
            if policy.deleteCompactedSegments {
                segments = try deleteCompactedSegments(snapshot: snapshot, schedule: schedule)
            }
            var windowFiles = 0
            if let retention = policy.localWindowRetention {
                windowFiles = try deleteExpiredWindowFiles(
                    instance: snapshot.instance, topic: snapshot.topic, before: now - retention, waitsForHooks: policy.waitsForHooks)
            }
            return (segments, windowFiles)
        }
    }

    private func deleteCompactedSegments(snapshot: CompactionSnapshot, schedule: WindowSchedule) throws -> Int {
        let (instance, topic) = (snapshot.instance, snapshot.topic)
        let candidates = try index.read { db in
            // Windows a continuous upload target has not confirmed hold back the segments
            // whose messages they hold: the local copy is the only one until then.
            let unconfirmed = try index.unconfirmedWindows(instance: instance, topic: topic, in: db)
            return try index.retentionCandidates(instance: instance, topic: topic, windowTime: schedule.current.windowTime, in: db)
                .filter { segment in
                    segment.lastOffset < snapshot.compactedBelow[segment.partition] ?? 0
                        && schedule.isLossless(in: segment.windowTimes)
                        && !unconfirmed.contains(where: { $0.overlaps(segment.windowTimes) })
                }
        }
        for segment in candidates {
            try index.forgetSegment(segment, instance: instance, topic: topic, at: now())
            try FileSystem.remove(archive.layout.segmentPath(
                instance: instance, topic: topic, partition: segment.partition, baseOffset: segment.baseOffset))
        }
        if !candidates.isEmpty {
            logger.info("deleted compacted segments", metadata: ["topic": "\(topic)", "segments": "\(candidates.count)"])
        }
        return candidates.count
    }

    private func deleteExpiredWindowFiles(instance: String, topic: String, before cutoff: Int64, waitsForHooks: Bool) throws -> Int {
        guard try index.hasContinuousTarget() else {
            logger.warning(
                "local retention deletes window files only once an upload target has confirmed them, and this archive has none: nothing deleted",
                metadata: ["topic": "\(topic)"])
            return 0
        }
        let expired = try index.expiredWindowFiles(instance: instance, topic: topic, before: cutoff, waitsForHooks: waitsForHooks)
        for file in expired {
            try index.markWindowFileDeleted(id: file.id, at: now())
            try FileSystem.remove(archive.layout.root + "/" + file.path)
        }
        return expired.count
    }
}
