import Foundation

/// What a query does with a corrupt segment record or window-file member when asked to
/// skip it (`query --skip-corrupt`) instead of failing: leaves it out, and counts here the
/// messages lost with it and where each was. Without one, a query fails at the first
/// corrupt record, naming the file and the byte: it never returns corrupted bytes.
public final class CorruptionTally: @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var lost = 0
    private var found: [SedimentError] = []

    public init() {}

    /// Messages left out because they were in corrupt records or members.
    public var messagesLost: Int { lock.withLock { lost } }

    /// What was skipped, each error naming the file and byte position, in the order found.
    public var skipped: [SedimentError] { lock.withLock { found } }

    /// Records that `error`'s record or member was left out, with the `messages` it held.
    func skip(_ error: SedimentError, messages: Int) {
        lock.withLock {
            lost += messages
            found.append(error)
        }
    }
}
