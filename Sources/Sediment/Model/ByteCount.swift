import Foundation

/// Bytes for people: 1.5 GiB, 300 KiB (the CLI's tables, the console).
public struct ByteCount: CustomStringConvertible, Sendable {
    public let value: Int64
    public init(_ value: Int) { self.value = Int64(value) }
    public init(_ value: Int64) { self.value = value }

    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f", amount) + " " + units[unit]
    }
}
