import Foundation
import SedimentObjectStore

/// Fetches bucket members with ranged GETs, a few ahead of the one being read, so that
/// fetches overlap one another and the inflating; memory holds at most `ahead` members.
final class RemoteMemberFetcher {
    private let session: BucketSession
    private var inFlight: [Int: Task<Data, any Error>] = [:]
    /// Bytes of the members this cursor fetched.
    private(set) var bytesFetched: Int64 = 0

    init(session: BucketSession) { self.session = session }

    /// Starts the fetch of `members[index]` if it is remote and not started yet.
    func prefetch(_ members: [TierMember], at index: Int) throws {
        guard index < members.count, inFlight[index] == nil, case .remote(let uri, let key) = members[index].location else { return }
        let store = try session.store(for: uri)
        let member = members[index].member
        inFlight[index] = Task {
            let range = member.position...(member.position + Int64(member.length) - 1)
            return try await store.getObject(key: key, range: range, maxBytes: member.length)
        }
    }

    /// The compressed bytes of `members[index]`, waiting for its fetch.
    func bytes(_ members: [TierMember], at index: Int) throws -> Data {
        try prefetch(members, at: index)
        let task = inFlight.removeValue(forKey: index)!
        let data = try BucketSession.wait { try await task.value }
        bytesFetched += Int64(data.count)
        guard data.count == members[index].member.length else {
            throw SedimentError(
                .corruptSegment,
                "\(members[index].name): member \(members[index].member.ordinal) at byte \(members[index].member.position) came back with \(data.count) bytes, not \(members[index].member.length)")
        }
        return data
    }

    func cancelAll() {
        for task in inFlight.values { task.cancel() }
        inFlight.removeAll()
    }
}
