extension String {
    /// The NUL-terminated text librdkafka wrote into an error buffer (`errstr`).
    init(cBuffer buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
