/// Reads the partition, offset and timestamp of a line from the fixed opening Sediment's
/// encoder gives every line (`{"topic":…,"partition":…,"offset":…,"tstype":…,"ts":…,`),
/// so that a window member's lines can be ordered and filtered without decoding them.
enum JSONLinePrefix {
    /// nil for a line of any other shape: the caller then decodes it whole.
    static func position(_ line: UnsafeRawBufferPointer) -> RunBound? {
        var scan = Scan(line)
        guard scan.literal("{\"topic\":\""), scan.skipString(),
            scan.literal(",\"partition\":"), let partition = scan.integer(), let partition32 = Int32(exactly: partition),
            scan.literal(",\"offset\":"), let offset = scan.integer(),
            scan.literal(",\"tstype\":\""), scan.skipString(),
            scan.literal(",\"ts\":"), let timestamp = scan.integer(), scan.literal(",")
        else { return nil }
        return RunBound(timestamp: timestamp, partition: partition32, offset: offset)
    }

    private struct Scan {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard i + count <= bytes.count else { return false }
            for k in 0..<count where bytes[i + k] != text.utf8Start[k] { return false }
            i += count
            return true
        }

        /// Past the closing quote of a string whose opening quote was read.
        mutating func skipString() -> Bool {
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\\"): i += 2
                case UInt8(ascii: "\""):
                    i += 1
                    return true
                default: i += 1
                }
            }
            return false
        }

        mutating func integer() -> Int64? {
            let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            var value: Int64 = 0
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                let digit = Int64(bytes[i] - UInt8(ascii: "0"))
                // Accumulated negatively so that Int64.min reads too.
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = times.subtractingReportingOverflow(digit)
                guard !overflow, !overflow2 else { return nil }
                value = next
                i += 1
            }
            guard i > start, i - start == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if negative { return value }
            return value == .min ? nil : -value
        }
    }
}
