import Synchronization

/// libdeflate contexts kept between calls: allocating one sets up its tables, and a
/// compaction or a query makes a call per member of about 1 MiB. A context is used by one
/// thread at a time, taken out of the pool and given back.
final class ContextPool<Context: AnyObject & Sendable>: Sendable {
    private let idle = Mutex<[Context]>([])
    /// Idle contexts kept at most; past it the oldest goes first.
    private let keep: Int

    init(keep: Int) {
        self.keep = keep
    }

    /// The idle context that `fits` given back last, taken out of the pool; nil if none fits.
    func take(where fits: (Context) -> Bool = { _ in true }) -> Context? {
        idle.withLock { idle in idle.lastIndex(where: fits).map { idle.remove(at: $0) } }
    }

    func give(_ context: Context) {
        idle.withLock { idle in
            idle.append(context)
            if idle.count > keep { idle.removeFirst() }
        }
    }
}
