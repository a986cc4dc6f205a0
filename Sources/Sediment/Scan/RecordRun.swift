/// One record of a run: its place in the merge order and where its bytes lie.
struct RecordEntry {
    var position: RunBound
    var start: Int
    var length: Int
}

/// A sorted run kept as the bytes it was read from (a segment block, an inflated window
/// member) and an entry per record. A record becomes a `Message` only when a caller asks
/// for one: compaction and `jsonl` answers encode straight from the bytes, which took a
/// third of their time in allocating and releasing each message's arrays.
struct RecordRun {
    let storage: RecordStorage
    var entries: [RecordEntry]

    init(_ storage: RecordStorage.Layout, entries: [RecordEntry]) {
        self.storage = RecordStorage(storage)
        self.entries = entries
    }

    init(messages: [Message]) {
        self.init(.messages(messages), entries: messages.indices.map { RecordEntry(position: RunBound(messages[$0]), start: $0, length: 0) })
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Puts the entries in merge order, when the source did not give them in it.
    mutating func sortIfNeeded() {
        let sorted = zip(entries, entries.dropFirst()).allSatisfy { !($1.position < $0.position) }
        if !sorted { entries.sort { $0.position < $1.position } }
    }

    func record(at index: Int) -> Record { Record(storage: storage, entry: entries[index]) }
}

/// The bytes a run was read from. Immutable, and shared by the records released from it.
final class RecordStorage: Sendable {
    enum Layout {
        /// Segment frames of one partition; an entry spans a frame's body.
        case frames([UInt8], partition: Int32)
        /// Sediment `jsonl` lines of one topic, as window files hold them; an entry spans
        /// a line without its newline.
        case jsonLines([UInt8])
        /// Messages already decoded; entry `start` is the message's index.
        case messages([Message])
    }

    let layout: Layout

    init(_ layout: Layout) { self.layout = layout }
}

/// One record the merge released: where its bytes lie, and its place in the order.
struct Record {
    let storage: RecordStorage
    let entry: RecordEntry

    var position: RunBound { entry.position }

    /// A record of its own, for a message decoded already.
    init(message: Message) {
        self.init(storage: RecordStorage(.messages([message])), entry: RecordEntry(position: RunBound(message), start: 0, length: 0))
    }

    init(storage: RecordStorage, entry: RecordEntry) {
        self.storage = storage
        self.entry = entry
    }

    func message() throws -> Message {
        switch storage.layout {
        case .frames(let bytes, let partition):
            return bytes.withUnsafeBytes { FrameView(body: slice($0), partition: partition)!.message }
        case .jsonLines(let bytes):
            return try bytes.withUnsafeBytes { raw throws(JSONLineError) in try JSONLineDecoder.decode(slice(raw)).message }
        case .messages(let messages):
            return messages[entry.start]
        }
    }

    /// Appends the record as `query` prints it in `jsonl`: a window's line is copied as it
    /// is, since compaction wrote it with the same encoder and topic.
    func appendJSONLine(topic: String, to out: inout [UInt8]) {
        switch storage.layout {
        case .frames(let bytes, let partition):
            bytes.withUnsafeBytes { JSONLineEncoder.append(FrameView(body: slice($0), partition: partition)!, topic: topic, to: &out) }
        case .jsonLines(let bytes):
            bytes.withUnsafeBytes { out.append(contentsOf: slice($0)) }
            out.append(UInt8(ascii: "\n"))
        case .messages(let messages):
            JSONLineEncoder.append(messages[entry.start], topic: topic, to: &out)
        }
    }

    /// Calls `body` with the record's value (nil for a tombstone), without copying it when
    /// the record is a segment frame.
    func withValue<R>(_ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        if case .frames(let bytes, let partition) = storage.layout {
            return try bytes.withUnsafeBytes { raw in
                var result: Result<R, any Error>!
                FrameView(body: slice(raw), partition: partition)!.withValue { value in result = Result { try body(value) } }
                return try result.get()
            }
        }
        let value = try message().value
        guard let value else { return try body(nil) }
        return try value.withUnsafeBytes { try body($0) }
    }

    private func slice(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[entry.start..<entry.start + entry.length])
    }
}
