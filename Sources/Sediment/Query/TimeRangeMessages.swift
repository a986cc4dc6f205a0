import Dispatch
import Foundation

/// A time-range query as an `AsyncSequence`. The blocking reads of `TimeRangeCursor`
/// run on a dispatch queue, a chunk of messages at a time, so that memory stays bounded
/// by the chunk and the blocks the cursor holds.
public struct TimeRangeMessages: AsyncSequence, Sendable {
    public typealias Element = Message
    let archive: Archive
    let instance: String
    let topic: String
    let range: Range<Int64>
    let partitions: Set<Int32>?
    let bucket: BucketSession?
    static let chunkSize = 4096

    public func makeAsyncIterator() -> Iterator {
        Iterator(source: Source(sequence: self))
    }

    public struct Iterator: AsyncIteratorProtocol {
        let source: Source
        var chunk: [Message] = []
        var position = 0

        public mutating func next() async throws -> Message? {
            if position == chunk.count {
                chunk = try await source.nextChunk()
                position = 0
                if chunk.isEmpty { return nil }
            }
            defer { position += 1 }
            return chunk[position]
        }
    }

    /// Owns the cursor, which only the serial `queue` touches: that is what makes it Sendable.
    final class Source: @unchecked Sendable {
        private let sequence: TimeRangeMessages
        private var cursor: TimeRangeCursor?
        private let queue = DispatchQueue(label: "sediment.query")

        init(sequence: TimeRangeMessages) { self.sequence = sequence }

        func nextChunk() async throws -> [Message] {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    continuation.resume(with: Result { try self.readChunk() })
                }
            }
        }

        private func readChunk() throws -> [Message] {
            if cursor == nil {
                cursor = try sequence.archive.messages(
                    instance: sequence.instance, topic: sequence.topic, in: sequence.range, partitions: sequence.partitions,
                    bucket: sequence.bucket)
            }
            var chunk: [Message] = []
            while chunk.count < TimeRangeMessages.chunkSize, let message = try cursor!.next() { chunk.append(message) }
            return chunk
        }
    }
}
