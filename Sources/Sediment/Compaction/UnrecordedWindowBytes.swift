import Synchronization

/// Bytes of window files written but not yet in the index: a window's parts stay under
/// temporary names until the whole window is written, and only then does the index record
/// them. `--max-archive-size` measures from the index, so it adds these, or a window being
/// compacted during a bucket outage (each part up to the file size cap) would go uncounted.
/// One per `Archive`: the dump's compaction writes through the archive its size limit
/// measures (`ArchiveDump` hands both its writer's).
final class UnrecordedWindowBytes: Sendable {
    private let bytes = Atomic<Int64>(0)

    func add(_ count: Int64) {
        bytes.add(count, ordering: .relaxed)
    }

    var value: Int64 { bytes.load(ordering: .relaxed) }
}
