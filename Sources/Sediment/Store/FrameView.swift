/// A record read in place from its segment frame body (see `RecordFormat`): the fields'
/// positions, found in one pass, so that the record can be encoded or compared without
/// copying its key, headers and value into arrays.
struct FrameView: JSONLineFields {
    let body: UnsafeRawBufferPointer
    let partition: Int32
    let offset: Int64
    let timestamp: Int64
    let timestampType: TimestampType
    private let key: Range<Int>?
    private let headerCount: Int
    private let headers: Range<Int>
    private let value: Range<Int>?

    /// nil when the body's layout does not match its length.
    init?(body: UnsafeRawBufferPointer, partition: Int32) {
        var cursor = ByteCursor(body)
        guard let offset = cursor.read(Int64.self), let timestamp = cursor.read(Int64.self),
            let typeCode = cursor.read(UInt8.self), let type = TimestampType(rawValue: typeCode),
            let key = cursor.skipNullable(), let headerCount = cursor.read(UInt32.self),
            Int(headerCount) <= body.count - cursor.position
        else { return nil }
        let headersStart = cursor.position
        for _ in 0..<headerCount {
            guard let nameLength = cursor.read(UInt32.self), cursor.skip(Int(nameLength)), cursor.skipNullable() != nil else { return nil }
        }
        let headersEnd = cursor.position
        guard let value = cursor.skipNullable(), cursor.isAtEnd else { return nil }
        self.body = body
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.timestampType = type
        self.key = key
        self.headerCount = Int(headerCount)
        self.headers = headersStart..<headersEnd
        self.value = value
    }

    var encodedBound: Int {
        // Every header byte escaped covers its name, its value and their length fields.
        JSONLineEncoder.maxLength(key?.count) + JSONLineEncoder.maxLength(value?.count) + 24 * headerCount + 6 * headers.count
    }

    var hasHeaders: Bool { headerCount > 0 }

    func withKey(_ body: (UnsafeRawBufferPointer?) -> Void) { body(bytes(key)) }
    func withValue(_ body: (UnsafeRawBufferPointer?) -> Void) { body(bytes(value)) }

    func forEachHeader(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) {
        var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: self.body[headers]))
        for _ in 0..<headerCount {
            let nameLength = Int(cursor.read(UInt32.self)!)
            let name = UnsafeRawBufferPointer(rebasing: cursor.bytes[cursor.position..<cursor.position + nameLength])
            _ = cursor.skip(nameLength)
            let value = cursor.skipNullable()!
            body(name, value.map { UnsafeRawBufferPointer(rebasing: cursor.bytes[$0]) })
        }
    }

    /// The whole record, copied out.
    var message: Message {
        var cursor = ByteCursor(body)
        return cursor.readMessage(partition: partition)!
    }

    private func bytes(_ range: Range<Int>?) -> UnsafeRawBufferPointer? {
        range.map { UnsafeRawBufferPointer(rebasing: body[$0]) }
    }
}

extension ByteCursor {
    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, position + count <= bytes.count else { return false }
        position += count
        return true
    }

    /// Skips an i32-length-prefixed byte string and returns where it lies: the outer
    /// optional is failure, the inner is null.
    mutating func skipNullable() -> Range<Int>?? {
        guard let length = read(Int32.self) else { return nil }
        if length == -1 { return .some(nil) }
        let start = position
        guard skip(Int(length)) else { return nil }
        return .some(start..<position)
    }
}
