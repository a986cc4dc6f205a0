/// Where each message of a replay goes: decided from the message and its place in the
/// replay alone, so that a resumed replay sends every message where the first run would
/// have, and can recognise what that run delivered.
struct ReplayPartitioner {
    let partitioning: ReplayRecord.Partitioning
    let partitions: Int

    func partition(of message: Message, sequence: UInt64) -> Int32 {
        switch partitioning {
        case .same: message.partition
        case .key: message.key.map { Murmur2.partition(of: $0, partitions: partitions) } ?? roundRobin(sequence)
        case .roundRobin: roundRobin(sequence)
        }
    }

    private func roundRobin(_ sequence: UInt64) -> Int32 { Int32(sequence % UInt64(partitions)) }
}
