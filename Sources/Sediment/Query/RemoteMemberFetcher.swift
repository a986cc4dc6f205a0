import Foundation
import SedimentObjectStore

/// Fetches bucket members with ranged GETs, a few ahead of the one being read, and
/// inflates each as it arrives, so that fetches overlap one another and members inflate
/// on every core; memory holds at most `ahead` members.
final class RemoteMemberFetcher {
    private let session: BucketSession
    private var inFlight: [Int: Task<(WindowMemberReader.DecodedMember, fetched: Int), any Error>] = [:]
    /// Bytes of the members this cursor fetched.
    private(set) var bytesFetched: Int64 = 0

    init(session: BucketSession) { self.session = session }

    /// Starts the fetch of `members[index]` if it is remote and not started yet.
    func prefetch(_ members: [TierMember], at index: Int) throws {
        guard index < members.count, inFlight[index] == nil, case .remote(let uri, let key) = members[index].location else { return }
        let store = try session.store(for: uri)
        let tier = members[index]
        inFlight[index] = Task {
            let member = tier.member
            let range = member.position...(member.position + Int64(member.length) - 1)
            let data = try await store.getObject(key: key, range: range, maxBytes: member.length)
            guard data.count == member.length else {
                throw SedimentError(
                    .corruptSegment,
                    "\(tier.name): member \(member.ordinal) at byte \(member.position) came back with \(data.count) bytes, not \(member.length)")
            }
            let decoded = try data.withUnsafeBytes {
                try WindowMemberReader.decode($0, of: member, compression: tier.compression, in: tier.name)
            }
            return (decoded, data.count)
        }
    }

    /// The lines of `members[index]`, waiting for its fetch and inflating.
    func member(_ members: [TierMember], at index: Int) throws -> WindowMemberReader.DecodedMember {
        try prefetch(members, at: index)
        let task = inFlight.removeValue(forKey: index)!
        let (decoded, fetched) = try BucketSession.wait { try await task.value }
        bytesFetched += Int64(fetched)
        return decoded
    }

    func cancelAll() {
        for task in inFlight.values { task.cancel() }
        inFlight.removeAll()
    }
}
