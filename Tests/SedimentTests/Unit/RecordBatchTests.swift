import Testing
@testable import Sediment

@Suite("RecordBatch")
struct RecordBatchTests {
    static func batch(stored: [Int32: Int64] = [:], blockBytes: Int = 1 << 20) -> RecordBatch {
        RecordBatch(instance: "local", topic: "orders", storedPositions: stored, blockBytes: blockBytes)
    }

    /// Every frame of `bytes`, decoded; stops at the first frame that does not decode.
    static func decode(_ bytes: [UInt8], partition: Int32) -> (messages: [Message], stop: RecordDecoder.Frame?) {
        var messages: [Message] = []
        var position = 0
        while position < bytes.count {
            let frame = bytes.withUnsafeBytes { raw in
                RecordDecoder.decodeFrame(UnsafeRawBufferPointer(rebasing: raw[position...]), partition: partition)
            }
            guard case .record(let message, let size) = frame else { return (messages, frame) }
            messages.append(message)
            position += size
        }
        return (messages, nil)
    }

    @Test("append counts messages and framed bytes, and keeps partitions in order of first appearance")
    func counts() {
        var factory = MessageFactory(seed: 21)
        let messages = [Int32(2), 0, 2, 5, 0, 2].enumerated().map { index, partition in
            factory.message(partition: partition, offset: Int64(index), timestamp: windowBase + Int64(index))
        }
        var batch = Self.batch()
        #expect(batch.isEmpty)
        let accepted = messages.map { batch.append($0) }
        #expect(accepted.allSatisfy { $0 })
        #expect(batch.count == 6 && !batch.isEmpty && batch.skipped == 0)
        #expect(batch.partitions.map(\.partition) == [2, 0, 5])
        var framed: [UInt8] = []
        for message in messages { RecordFormat.append(message, to: &framed) }
        #expect(batch.byteCount == framed.count)
        #expect(batch.partitions.map(\.bytes.count).reduce(0, +) == framed.count)
    }

    @Test("next offsets follow the last offset appended per partition and start from the stored positions")
    func nextOffsets() {
        var batch = Self.batch(stored: [0: 100, 1: 7])
        #expect(batch.nextOffset(partition: 0) == 100)
        #expect(batch.nextOffset(partition: 3) == 0)
        batch.append(Message(partition: 0, offset: 100, timestamp: 1, value: []))
        batch.append(Message(partition: 0, offset: 105, timestamp: 2, value: []))
        batch.append(Message(partition: 3, offset: 0, timestamp: 3, value: []))
        #expect(batch.nextOffset(partition: 0) == 106, "a gap in offsets is kept, as compacted topics have them")
        #expect(batch.nextOffset(partition: 3) == 1)
        #expect(batch.nextOffset(partition: 1) == 7)
        #expect(batch.positionsAfter == [0: 106, 1: 7, 3: 1])
    }

    @Test("a message at or below the stored position or an offset already in the batch is skipped and counted")
    func skipsRepeats() {
        var batch = Self.batch(stored: [0: 10])
        let belowStored = batch.append(Message(partition: 0, offset: 9, timestamp: 1, value: [1]))
        #expect(!belowStored)
        #expect(batch.partitions.first?.bytes.isEmpty == true, "a skipped message leaves no bytes")
        let accepted = [
            Message(partition: 0, offset: 10, timestamp: 1, value: [1]),
            Message(partition: 0, offset: 12, timestamp: 1, value: [1]),
            // A duplicate, then one out of order.
            Message(partition: 0, offset: 12, timestamp: 1, value: [2]),
            Message(partition: 0, offset: 11, timestamp: 1, value: [3]),
            // Other partitions have positions of their own.
            Message(partition: 1, offset: 0, timestamp: 1, value: [1]),
        ].map { batch.append($0) }
        #expect(accepted == [true, true, false, false, true])
        #expect(batch.count == 3 && batch.skipped == 3)
        batch.seal()
        #expect(Self.decode(batch.partitions[0].bytes, partition: 0).messages.map(\.offset) == [10, 12])
    }

    @Test("sealed bytes decode back to the messages appended, every field included")
    func roundTrip() {
        var factory = MessageFactory(seed: 5)
        let messages = (Int64(0)..<600).map { factory.message(partition: Int32($0 % 3), offset: $0 / 3, timestamp: windowBase - 300 + $0) }
        var batch = Self.batch(blockBytes: 2048)
        for message in messages { batch.append(message) }
        batch.seal()
        for partitionBatch in batch.partitions {
            let decoded = Self.decode(partitionBatch.bytes, partition: partitionBatch.partition)
            #expect(decoded.stop == nil)
            expectSame(decoded.messages, messages.filter { $0.partition == partitionBatch.partition })
        }
        #expect(messages.contains { $0.key == nil } && messages.contains { $0.value == nil } && messages.contains { !$0.headers.isEmpty })
    }

    @Test("before seal the last block's CRCs are not filled in, and the decoder refuses them")
    func unsealed() {
        var batch = Self.batch()
        for offset in Int64(0)..<3 { batch.append(Message(offset: offset, timestamp: offset, value: Array("v\(offset)".utf8))) }
        guard case .corrupt(let reason)? = Self.decode(batch.partitions[0].bytes, partition: 0).stop else {
            Issue.record("an unsealed frame decoded")
            return
        }
        #expect(reason == "CRC mismatch")
        batch.seal()
        #expect(Self.decode(batch.partitions[0].bytes, partition: 0).messages.count == 3)
    }

    @Test("blocks cut the bytes where a block reaches blockBytes, each with its offsets, timestamps and count")
    func blocks() {
        var batch = Self.batch(blockBytes: 1000)
        let value = [UInt8](repeating: 7, count: 200)
        // Timestamps out of order within a block: the block keeps its minimum and maximum.
        let timestamps: [Int64] = [50, 10, 40, 30, 20, 90, 60, 70, 80, 5, 1, 3]
        for (offset, timestamp) in timestamps.enumerated() { batch.append(Message(offset: Int64(offset), timestamp: timestamp, value: value)) }
        let partition = batch.partitions[0]
        let frame = RecordFormat.frameHeaderSize + RecordFormat.bodySize(key: nil, headers: [], value: 200)
        // 237 bytes a frame: a block takes frames until it holds 1000 bytes or more, so 5.
        #expect(partition.blocks.map(\.count) == [5, 5, 2])
        #expect(partition.blocks.map(\.start) == [0, 5 * frame, 10 * frame])
        #expect(partition.blocks.map(\.length) == [5 * frame, 5 * frame, 2 * frame])
        #expect(partition.blocks.map(\.firstOffset) == [0, 5, 10])
        #expect(partition.blocks.map(\.lastOffset) == [4, 9, 11])
        #expect(partition.blocks.map(\.minTimestamp) == [10, 5, 1])
        #expect(partition.blocks.map(\.maxTimestamp) == [50, 90, 3])
        #expect(partition.blocks.map(\.length).reduce(0, +) == partition.bytes.count)
    }

    @Test("appending borrowed bytes frames exactly what appending the Message does")
    func borrowedBytes() {
        var factory = MessageFactory(seed: 9)
        let messages = (Int64(0)..<200).map { factory.message(partition: 1, offset: $0, timestamp: windowBase + $0) }
        var fromMessages = Self.batch()
        var fromBytes = Self.batch()
        for message in messages {
            fromMessages.append(message)
            func borrowing<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
                guard let bytes else { return body(nil) }
                return bytes.withUnsafeBytes { body($0) }
            }
            let appended = borrowing(message.key) { key in
                borrowing(message.value) { value in
                    fromBytes.append(
                        partition: message.partition, offset: message.offset, timestamp: message.timestamp,
                        timestampType: message.timestampType, key: key, headers: message.headers, value: value)
                }
            }
            #expect(appended == true)
        }
        let repeated = fromBytes.append(partition: 1, offset: 0, timestamp: 0, timestampType: .createTime, key: nil, value: nil)
        #expect(!repeated)
        fromMessages.seal()
        fromBytes.seal()
        #expect(fromBytes.partitions[0].bytes == fromMessages.partitions[0].bytes)
        #expect(fromBytes.partitions[0].blocks == fromMessages.partitions[0].blocks)
        #expect((fromBytes.count, fromBytes.byteCount, fromBytes.skipped) == (fromMessages.count, fromMessages.byteCount, 1))
    }

    @Test("takeBuffers hands over each partition's bytes and leaves the batch without them")
    func takeBuffers() {
        var batch = Self.batch()
        batch.append(Message(partition: 0, offset: 0, timestamp: 0, value: [1, 2, 3]))
        batch.append(Message(partition: 1, offset: 0, timestamp: 0, value: [4]))
        let sizes = batch.partitions.map(\.bytes.count)
        let buffers = batch.takeBuffers()
        #expect(buffers.map(\.count) == sizes)
        #expect(batch.partitions.allSatisfy { $0.bytes.isEmpty })
    }
}
