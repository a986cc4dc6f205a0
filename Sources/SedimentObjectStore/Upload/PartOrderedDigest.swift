import Crypto
import Foundation

/// A whole file's SHA-256, hashed from the very bytes its multipart upload reads for each
/// part's MD5, in part order: part N's read waits until parts 1..<N are hashed. The parts
/// are still sent concurrently; only their digest reads take turns, so the file is read for
/// digests once, as before, and the whole hash covers exactly what the parts' MD5s (which
/// the store checks) cover.
actor PartOrderedDigest {
    /// The running hash, handed from part to part: only the part whose turn it is touches it.
    struct Hasher: @unchecked Sendable {
        var sha256 = SHA256()
    }

    private var hasher: Hasher? = Hasher()
    private var next = 1
    private var waiting: [Int: CheckedContinuation<Hasher, any Error>] = [:]
    private var failure: (any Error)?

    /// Waits for part `number`'s turn and hands over the hasher; `giveBack` ends the turn.
    func take(forPart number: Int) async throws -> Hasher {
        if let failure { throw failure }
        if number == next, let hasher {
            self.hasher = nil
            return hasher
        }
        return try await withCheckedThrowingContinuation { waiting[number] = $0 }
    }

    /// Part `number` is hashed into `hasher`: the next part's turn.
    func giveBack(_ hasher: Hasher, afterPart number: Int) {
        next = number + 1
        if let waiter = waiting.removeValue(forKey: next) {
            waiter.resume(returning: hasher)
        } else {
            self.hasher = hasher
        }
    }

    /// A part failed: every part waiting for its turn fails too, rather than wait forever.
    func fail(_ error: any Error) {
        failure = failure ?? error
        for waiter in waiting.values { waiter.resume(throwing: error) }
        waiting = [:]
    }

    /// The SHA-256 once every part was hashed.
    func finalize() -> Data? {
        hasher.map { Data($0.sha256.finalize()) }
    }
}
