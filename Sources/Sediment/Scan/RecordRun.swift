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
final class RecordRun {
    enum Storage {
        /// Segment frames of one partition; an entry spans a frame's body.
        case frames([UInt8], partition: Int32)
        /// Sediment `jsonl` lines of one topic, as window files hold them; an entry spans
        /// a line without its newline.
        case jsonLines([UInt8])
        /// Messages already decoded; entry `i` is message `i`.
        case messages([Message])
    }

    let storage: Storage
    var entries: [RecordEntry]

    init(_ storage: Storage, entries: [RecordEntry]) {
        self.storage = storage
        self.entries = entries
    }

    convenience init(messages: [Message]) {
        self.init(.messages(messages), entries: messages.indices.map { RecordEntry(position: RunBound(messages[$0]), start: $0, length: 0) })
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Puts the entries in merge order, when the source did not give them in it.
    func sortIfNeeded() {
        let sorted = zip(entries, entries.dropFirst()).allSatisfy { !($1.position < $0.position) }
        if !sorted { entries.sort { $0.position < $1.position } }
    }

    func message(at index: Int) throws -> Message {
        let entry = entries[index]
        switch storage {
        case .frames(let bytes, let partition):
            return bytes.withUnsafeBytes { FrameView(body: Self.slice($0, entry), partition: partition)!.message }
        case .jsonLines(let bytes):
            return try bytes.withUnsafeBytes { raw throws(JSONLineError) in try JSONLineDecoder.decode(Self.slice(raw, entry)).message }
        case .messages(let messages):
            return messages[entry.start]
        }
    }

    /// Appends the record as `query` prints it in `jsonl`: a window's line is copied as it
    /// is, since compaction wrote it with the same encoder and topic.
    func appendJSONLine(at index: Int, topic: String, to out: inout [UInt8]) {
        let entry = entries[index]
        switch storage {
        case .frames(let bytes, let partition):
            bytes.withUnsafeBytes { JSONLineEncoder.append(FrameView(body: Self.slice($0, entry), partition: partition)!, topic: topic, to: &out) }
        case .jsonLines(let bytes):
            bytes.withUnsafeBytes { out.append(contentsOf: Self.slice($0, entry)) }
            out.append(UInt8(ascii: "\n"))
        case .messages(let messages):
            JSONLineEncoder.append(messages[entry.start], topic: topic, to: &out)
        }
    }

    /// Calls `body` with the record's value (nil for a tombstone) without copying it when
    /// the run holds frames.
    func withValue<R>(at index: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        let entry = entries[index]
        if case .frames(let bytes, let partition) = storage {
            return try bytes.withUnsafeBytes { raw in
                var result: Result<R, any Error>!
                FrameView(body: Self.slice(raw, entry), partition: partition)!.withValue { value in result = Result { try body(value) } }
                return try result.get()
            }
        }
        let value = try message(at: index).value
        guard let value else { return try body(nil) }
        return try value.withUnsafeBytes { try body($0) }
    }

    private static func slice(_ raw: UnsafeRawBufferPointer, _ entry: RecordEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[entry.start..<entry.start + entry.length])
    }
}

/// One record the merge released: its run and its place in it.
struct Record {
    let run: RecordRun
    let index: Int

    var position: RunBound { run.entries[index].position }
    func message() throws -> Message { try run.message(at: index) }
    func appendJSONLine(topic: String, to out: inout [UInt8]) { run.appendJSONLine(at: index, topic: topic, to: &out) }
    func withValue<R>(_ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R { try run.withValue(at: index, body) }
}
