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

    init(storage: RecordStorage, entries: [RecordEntry]) {
        self.storage = storage
        self.entries = entries
    }

    init(messages: [Message]) {
        self.init(storage: RecordStorage(messages: messages), entries: messages.indices.map { RecordEntry(position: RunBound(messages[$0]), start: $0, length: 0) })
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
///
/// Frames and lines are kept behind a plain pointer this object owns: encoding a record
/// then retains and releases no array, which a tenth of an answer's time went to.
final class RecordStorage: @unchecked Sendable {
    // @unchecked: `bytes` is written once, before the storage is shared, and freed in deinit.
    enum Kind {
        /// Segment frames of one partition; an entry spans a frame's body.
        case frames(partition: Int32)
        /// Sediment `jsonl` lines of one topic, as window files hold them; an entry spans
        /// a line without its newline.
        case jsonLines
        /// Messages already decoded; entry `start` is the message's index.
        case messages([Message])
    }

    let kind: Kind
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawBufferPointer?

    /// Storage of `count` bytes that `fill` writes; returns it with what `fill` returned.
    static func filling<R>(
        _ kind: Kind, count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> (RecordStorage, R) {
        let bytes = RunBufferPool.shared.take(atLeast: count)
        do {
            let result = try fill(UnsafeMutableRawBufferPointer(rebasing: bytes[0..<count]))
            return (RecordStorage(kind: kind, bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<count]), base: bytes), result)
        } catch {
            RunBufferPool.shared.give(bytes)
            throw error
        }
    }

    /// A copy of `bytes`, holding frames or lines as `kind` says.
    static func copying(_ bytes: [UInt8], as kind: Kind) -> RecordStorage {
        filling(kind, count: bytes.count) { target in bytes.withUnsafeBytes { target.copyMemory(from: $0) } }.0
    }

    /// Messages already decoded, without bytes.
    convenience init(messages: [Message]) {
        self.init(kind: .messages(messages), bytes: UnsafeRawBufferPointer(start: nil, count: 0), base: nil)
    }

    private init(kind: Kind, bytes: UnsafeRawBufferPointer, base: UnsafeMutableRawBufferPointer?) {
        self.kind = kind
        self.bytes = bytes
        self.base = base
    }

    deinit { if let base { RunBufferPool.shared.give(base) } }
}

/// One record the merge released: where its bytes lie, and its place in the order.
struct Record {
    let storage: RecordStorage
    let entry: RecordEntry

    var position: RunBound { entry.position }

    /// A record of its own, for a message decoded already.
    init(message: Message) {
        self.init(storage: RecordStorage(messages: [message]), entry: RecordEntry(position: RunBound(message), start: 0, length: 0))
    }

    init(storage: RecordStorage, entry: RecordEntry) {
        self.storage = storage
        self.entry = entry
    }

    func message() throws -> Message {
        switch storage.kind {
        case .frames(let partition):
            return try frame(partition).message
        case .jsonLines:
            do {
                return try JSONLineDecoder.decode(slice()).message
            } catch {
                throw SedimentError(
                    .corruptSegment, "a window line of partition \(entry.position.partition) at offset \(entry.position.offset) is not a message: \(error)",
                    context: ["partition": "\(entry.position.partition)", "offset": "\(entry.position.offset)"])
            }
        case .messages(let messages):
            return messages[entry.start]
        }
    }

    /// Appends the record as `query` prints it in `jsonl`: a window's line is copied as it
    /// is, since compaction wrote it with the same encoder and topic.
    func appendJSONLine(topic: String, to out: inout [UInt8]) throws {
        switch storage.kind {
        case .frames(let partition):
            JSONLineEncoder.append(try frame(partition), topic: topic, to: &out)
        case .jsonLines:
            out.append(contentsOf: slice())
            out.append(UInt8(ascii: "\n"))
        case .messages(let messages):
            JSONLineEncoder.append(messages[entry.start], topic: topic, to: &out)
        }
    }

    /// Calls `body` with the record's value (nil for a tombstone), without copying it when
    /// the record is a segment frame.
    func withValue<R>(_ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        if case .frames(let partition) = storage.kind {
            var result: Result<R, any Error>!
            try frame(partition).withValue { value in result = Result { try body(value) } }
            return try result.get()
        }
        let value = try message().value
        guard let value else { return try body(nil) }
        return try value.withUnsafeBytes { try body($0) }
    }

    private func slice() -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage.bytes[entry.start..<entry.start + entry.length])
    }

    /// The record's frame, read in place. `SegmentReader` checked its CRC and layout; a run
    /// made some other way that holds a bad body gets an error here, not a trap.
    private func frame(_ partition: Int32) throws -> FrameView {
        guard let view = FrameView(body: slice(), partition: partition) else {
            throw SedimentError(
                .corruptSegment, "a record of partition \(partition) at offset \(entry.position.offset) has a body that does not match its length",
                context: ["partition": "\(partition)", "offset": "\(entry.position.offset)"])
        }
        return view
    }
}
