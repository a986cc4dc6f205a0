/// Where each message of a replay goes: decided from the message alone (its partition,
/// offset and key), so that a resumed replay sends every message where the first run
/// would have, and can recognise what that run delivered, whatever else the archive
/// gained or lost in the meantime.
struct ReplayPartitioner {
    let partitioning: ReplayRecord.Partitioning
    let partitions: Int

    func partition(of message: Message) -> Int32 {
        switch partitioning {
        case .same: message.partition
        case .key: message.key.map { Murmur2.partition(of: $0, partitions: partitions) } ?? spread(message)
        case .roundRobin: spread(message)
        }
    }

    /// Consecutive offsets of a partition go to consecutive target partitions, each source
    /// partition starting one further along.
    private func spread(_ message: Message) -> Int32 {
        Int32((Int64(message.partition) + message.offset) % Int64(partitions))
    }
}
