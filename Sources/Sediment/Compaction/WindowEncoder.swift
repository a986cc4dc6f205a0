/// Turns records into the bytes of a window file, before compression, without decoding
/// them into messages.
struct WindowEncoder {
    let topic: String
    let format: WindowSettings.Format
    let invalidUTF8: WindowSettings.InvalidUTF8Policy

    init(topic: String, settings: WindowSettings) {
        self.topic = topic
        self.format = settings.format
        self.invalidUTF8 = settings.invalidUTF8
    }

    /// Appends the record's line to `out`; false when the policy skipped it.
    func append(_ record: Record, to out: inout [UInt8]) throws -> Bool {
        switch format {
        case .jsonl:
            try record.appendJSONLine(topic: topic, to: &out)
            return true
        case .text:
            return try record.withValue { value in try appendText(value, of: record.position, to: &out) }
        }
    }

    private func appendText(_ value: UnsafeRawBufferPointer?, of message: RunBound, to out: inout [UInt8]) throws -> Bool {
        guard let value else {
            out.append(UInt8(ascii: "\n"))
            return true
        }
        if UTF8Validation.isValidUTF8(value) {
            out.append(contentsOf: value)
        } else {
            switch invalidUTF8 {
            case .error:
                throw SedimentError(
                    .invalidInput,
                    "topic '\(topic)' partition \(message.partition) offset \(message.offset): the value is not valid UTF-8, "
                        + "which the text format cannot hold (use `invalidUTF8` skip or replace, or `format` jsonl)",
                    context: ["topic": topic, "partition": "\(message.partition)", "offset": "\(message.offset)"])
            case .skip:
                return false
            case .replace:
                out.append(contentsOf: String(decoding: value, as: UTF8.self).utf8)
            }
        }
        out.append(UInt8(ascii: "\n"))
        return true
    }
}
